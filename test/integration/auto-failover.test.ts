/**
 * Automatic failover with real processes: five `meridian node` processes and the router on loopback,
 * `failover.automatic` on. The primary is paused (SIGSTOP) and later a primary is killed (SIGKILL)
 * under SDK load through the router: the regions elect a new primary by themselves, writes carry on,
 * no majority-acknowledged write is lost, the old primary comes back as a replica and digests converge.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from '@upstash/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, Cluster, request, TOKEN } from './replication-cluster.js';

const BIN = fileURLToPath(new URL('../../packages/cli/bin/meridian.js', import.meta.url));

interface ElectionStatus {
  role?: string;
  epoch?: number;
  election?: { term: number; role: string; leaseHeld: boolean; primary: string | null };
}

let cluster: Cluster;

/** Polls `check` every 100 ms until it returns a value (bounded, so a broken failover fails the test). */
async function eventually<T>(what: string, check: () => Promise<T | undefined>, deadlineMs = 30_000): Promise<T> {
  const until = Date.now() + deadlineMs;
  if (process.env['TRACE'] !== undefined) console.log(`${new Date().toISOString()} waiting: ${what}`);
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > until) throw new Error(`${what}: not within ${deadlineMs} ms (${String(last)})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function status(region: string): Promise<ElectionStatus | undefined> {
  try {
    return (await cluster.status(region)) as ElectionStatus;
  } catch {
    return undefined;
  }
}

/** The region that holds a lease now, with its epoch. */
async function writablePrimary(
  exclude: readonly string[] = [],
): Promise<{ region: string; epoch: number } | undefined> {
  for (const region of cluster.regions) {
    if (exclude.includes(region)) continue;
    const s = await status(region);
    if (s?.election?.leaseHeld === true && s.role === 'primary') return { region, epoch: s.epoch ?? -1 };
  }
  return undefined;
}

/**
 * Writes through the router: half with the @upstash/redis SDK (no retries, each call given up after 2 s: a
 * paused primary never answers), half as REST calls with `x-meridian-durability: majority` (the SDK sends
 * no custom headers).
 */
class Load {
  readonly majorityAcked = new Map<string, string>();
  acked = 0;
  failed = 0;
  private running = true;
  private done: Promise<void>;
  private n = 0;

  private readonly sdk: Redis;

  constructor(private readonly routerUrl: string) {
    this.sdk = new Redis({
      url: routerUrl,
      token: TOKEN,
      retry: false,
      signal: () => AbortSignal.timeout(2_000),
      enableAutoPipelining: false,
      enableTelemetry: false,
    });
    // Four writers: one stuck on a paused primary (until its 2 s timeout) does not stop the others.
    this.done = Promise.all([0, 1, 2, 3].map((writer) => this.loop(writer))).then(() => undefined);
  }

  private async loop(writer: number): Promise<void> {
    while (this.running) {
      // Each writer has its own keys, so a key's writes are never concurrent.
      const i = this.n++ * 4 + writer;
      const key = `load:${writer}:${i % 13}`;
      const value = `v${i}`;
      const majority = i % 2 === 0;
      try {
        const result = majority
          ? (
              (await request(this.routerUrl, '/', ['SET', key, value], { 'x-meridian-durability': 'majority' }, 2_000))
                .body as { result?: unknown }
            ).result
          : await this.sdk.set(key, value);
        if (result === 'OK') {
          this.acked++;
          if (majority) this.majorityAcked.set(key, value);
          else this.majorityAcked.delete(key);
        } else {
          this.failed++;
          this.majorityAcked.delete(key);
        }
      } catch {
        this.failed++;
        this.majorityAcked.delete(key);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }
}

async function ackedSince(load: Load, before: number): Promise<true | undefined> {
  return load.acked > before + 5 ? true : undefined;
}

async function expectConverged(): Promise<void> {
  await eventually('every region at the same digest', async () => {
    const digests = await Promise.all(cluster.regions.map((region) => cluster.digest(region)));
    const first = digests[0];
    return digests.every((d) => d.digest === first?.digest && d.offset === first?.offset) ? true : undefined;
  });
}

async function expectMajorityWritesKept(load: Load): Promise<void> {
  const keys = [...load.majorityAcked.keys()];
  expect(keys.length).toBeGreaterThan(0);
  const answer = await request(cluster.routerUrl, '/', ['MGET', ...keys], { 'x-meridian-consistency': 'strong' });
  expect(answer.status).toBe(200);
  expect((answer.body as { result: unknown[] }).result).toEqual(keys.map((key) => load.majorityAcked.get(key)));
}

beforeAll(async () => {
  cluster = await Cluster.create({
    replicas: 4,
    delayMs: 5,
    extraConfig: ['failover: { automatic: true, heartbeatMs: 100, leaseMs: 800, electionTimeoutMs: 1200 }'],
  });
  await cluster.startAll();
  await cluster.start('router');
  await eventually('the configured primary holds its lease', () => writablePrimary());
}, 60_000);

afterAll(async () => {
  await cluster?.close();
});

describe('automatic failover, live (five processes, SDK load through the router)', () => {
  it('the election endpoint takes only the admin token and well-formed messages, and the node keeps serving', async () => {
    const region = cluster.replicas[0] as string;
    const url = cluster.url(region);
    expect((await request(url, '/_meridian/election', { t: 'heartbeat' })).status).toBe(401);
    const bad = async (body: unknown): Promise<string> => {
      const answer = await cluster.admin(region, '/_meridian/election', body);
      expect(answer.status).toBe(400);
      return (answer.body as { error: string }).error;
    };
    expect(await bad('not an object')).toMatch(/must be a JSON object/);
    expect(await bad({ t: 'coup', term: 1, from: region })).toMatch(/t must be heartbeat/);
    expect(await bad({ t: 'heartbeat', term: -1, from: region, sentAtMs: 0 })).toMatch(/term must be a whole number/);
    expect(await bad({ t: 'heartbeat', term: 1, from: 'mars-1', sentAtMs: 0 })).toMatch(/from must be a region/);
    expect(await bad({ t: 'vote-request', term: 1, from: region, preVote: false })).toMatch(/position/);
    expect((await cluster.admin(region, '/_meridian/election')).status).toBe(405);
    // A heartbeat in this epoch from a region that is not its primary is answered with a refusal, not obeyed.
    const other = cluster.replicas[1] as string;
    const forged = await cluster.admin(region, '/_meridian/election', {
      t: 'heartbeat',
      term: 0,
      from: other,
      sentAtMs: 1,
    });
    expect(forged.status).toBe(200);
    expect(forged.body).toMatchObject({ t: 'heartbeat-ack', ok: false });
    expect(await status(region)).toMatchObject({ role: 'replica', election: { primary: cluster.primary } });
    expect((await writablePrimary())?.region).toBe(cluster.primary);
  });

  it('SIGSTOP of the primary: another region is elected, writes resume, the old primary rejoins as a replica', async () => {
    const sdk = cluster.sdk(cluster.primary);
    await expect(sdk.set('before', 'stop')).resolves.toBe('OK');
    const load = new Load(cluster.routerUrl);
    await eventually('load flowing', () => ackedSince(load, 0));
    const old = cluster.primary;
    cluster.signal(old, 'SIGSTOP');
    const elected = await eventually('a new primary holds a lease', () => writablePrimary([old]));
    expect(elected.region).not.toBe(old);
    expect(elected.epoch).toBeGreaterThanOrEqual(1);
    const ackedAtElection = load.acked;
    await eventually('writes through the router resume', () => ackedSince(load, ackedAtElection));
    cluster.signal(old, 'SIGCONT');
    await eventually('the old primary follows the new one', async () => {
      const s = await status(old);
      return s?.role === 'replica' && s.election?.primary === elected.region ? true : undefined;
    });
    await load.stop();
    await expectConverged();
    await expectMajorityWritesKept(load);
    const answer = await request(cluster.routerUrl, '/', ['GET', 'before'], { authorization: `Bearer ${TOKEN}` });
    expect((answer.body as { result: unknown }).result).toBe('stop');
  }, 90_000);

  it('SIGKILL of the primary: another failover; the killed region, restarted, rejoins as a replica', async () => {
    const current = await eventually('a writable primary', () => writablePrimary());
    const load = new Load(cluster.routerUrl);
    await eventually('load flowing', () => ackedSince(load, 0));
    await cluster.stop(current.region, 'SIGKILL');
    const elected = await eventually('a new primary holds a lease', () => writablePrimary([current.region]));
    expect(elected.epoch).toBeGreaterThan(current.epoch);
    const ackedAtElection = load.acked;
    await eventually('writes through the router resume', () => ackedSince(load, ackedAtElection));
    await cluster.start(current.region);
    await eventually('the restarted region follows the new primary', async () => {
      const s = await status(current.region);
      return s?.role === 'replica' && s.epoch === elected.epoch ? true : undefined;
    });
    await load.stop();
    await expectConverged();
    await expectMajorityWritesKept(load);
  }, 90_000);

  it('a planned failover (meridian failover --to) goes through the election: nothing acknowledged is lost', async () => {
    const current = await eventually('a writable primary', () => writablePrimary());
    const target = cluster.regions.find((region) => region !== current.region) as string;
    const load = new Load(cluster.routerUrl);
    await eventually('load flowing', () => ackedSince(load, 0));
    const printed = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        [BIN, 'failover', '--to', target, '--config', cluster.configPath, '--json'],
        { env: { ...process.env, MERIDIAN_TOKEN: TOKEN, MERIDIAN_ADMIN_TOKEN: ADMIN_TOKEN } },
        (error, stdout, stderr) =>
          error === null ? resolve(stdout) : reject(new Error(`${error.message}\n${stderr}`)),
      );
    });
    const report = JSON.parse(printed) as { to: string; epoch: number };
    expect(report.to).toBe(target);
    expect(report.epoch).toBeGreaterThan(current.epoch);
    const ackedAtSwitch = load.acked;
    await eventually('writes through the router resume', () => ackedSince(load, ackedAtSwitch));
    expect(await writablePrimary()).toEqual({ region: target, epoch: report.epoch });
    // `meridian status` names the new primary and its epoch.
    const table = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        [BIN, 'status', '--config', cluster.configPath],
        { env: { ...process.env, MERIDIAN_TOKEN: TOKEN, MERIDIAN_ADMIN_TOKEN: ADMIN_TOKEN } },
        (error, stdout) => (error === null ? resolve(stdout) : reject(error)),
      );
    });
    expect(table).toMatch(new RegExp(`^${target}\\s+primary\\s+${report.epoch}\\s+up`, 'm'));
    await load.stop();
    await expectConverged();
    await expectMajorityWritesKept(load);
  }, 90_000);

  it('a write only the cut-off primary had is lost in the failover: its token says so, and the old primary discards it', async () => {
    const old = await eventually('a writable primary', () => writablePrimary());
    // Replication from the primary is cut (its heartbeats to the election still flow: it keeps its lease).
    for (const region of cluster.regions.filter((r) => r !== old.region))
      expect((await cluster.admin(old.region, '/_meridian/lag', { action: 'partition', to: region })).status).toBe(200);
    const written = await request(cluster.url(old.region), '/', ['SET', 'only-on-old', 'x']);
    expect(written.body).toEqual({ result: 'OK' });
    const token = written.headers['upstash-sync-token'] as string;
    // A strong read waits for a majority to hold what it saw (the read index): it never returns the write
    // a failover is about to lose; with replication cut, it answers NOREPLICAS instead.
    const strong = await request(cluster.url(old.region), '/', ['GET', 'only-on-old'], {
      'x-meridian-consistency': 'strong',
    });
    expect(strong.body).toEqual({ error: 'NOREPLICAS Not enough good replicas to write.' });
    const eventual = await request(cluster.url(old.region), '/', ['GET', 'only-on-old']);
    expect(eventual.body).toMatchObject({ result: 'x' });
    expect(token).toMatch(/:\d+$/);
    cluster.signal(old.region, 'SIGSTOP');
    const elected = await eventually('a new primary holds a lease', () => writablePrimary([old.region]));
    // Read-your-writes with the lost write's token: a clear error, not a read that silently misses it.
    const lost = await request(cluster.url(elected.region), '/', ['GET', 'only-on-old'], {
      'upstash-sync-token': token,
    });
    expect(lost.status).toBe(400);
    expect((lost.body as { error: string }).error).toContain('MERIDIAN_SYNC_TOKEN_LOST');
    cluster.signal(old.region, 'SIGCONT');
    await eventually('the old primary follows', async () => {
      const s = await status(old.region);
      return s?.role === 'replica' && s.epoch === elected.epoch ? true : undefined;
    });
    await expectConverged();
    // Its unreplicated tail was discarded by a full resync, and the new primary said how many entries.
    expect(cluster.output(elected.region)).toMatch(
      new RegExp(`replica ${old.region} .*past this primary's take-over: its \\d+ unreplicated entries are discarded`),
    );
    const after = await request(cluster.url(old.region), '/', ['GET', 'only-on-old'], {
      'x-meridian-consistency': 'strong',
    });
    expect((after.body as { result: unknown }).result).toBeNull();
  }, 90_000);
});
