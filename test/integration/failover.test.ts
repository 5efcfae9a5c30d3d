import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Redis } from '@upstash/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runCli, writeTopology } from '../../packages/cli/test/topology-fixture.js';

/**
 * Manual failover as users run it: `meridian up` (real processes, SQLite, WebSockets, HTTP),
 * SDK writes through the router, `meridian failover --to eu-west-1`, writes carrying on.
 */
const env = {
  MERIDIAN_TOKEN: 'failover-token',
  MERIDIAN_ADMIN_TOKEN: 'failover-admin',
  MERIDIAN_REPLICATION_SECRET: 'failover-replication',
};
let topology: Awaited<ReturnType<typeof writeTopology>>;
let up: ChildProcess | undefined;
let output = '';
let routerUrl: string;
const regionUrl = (i: number): string => `http://127.0.0.1:${topology.ports[i]}`;

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function admin(i: number, path: string): Promise<Record<string, unknown>> {
  const answer = await fetch(`${regionUrl(i)}/_meridian/${path}`, {
    headers: { authorization: `Bearer ${env.MERIDIAN_ADMIN_TOKEN}` },
  });
  return (await answer.json()) as Record<string, unknown>;
}

/** The pid of a region's node process under `meridian up`. */
function regionPid(region: string): number {
  const listing = execFileSync('ps', ['--ppid', String(up!.pid), '-o', 'pid=,args='], { encoding: 'utf8' });
  for (const line of listing.trim().split('\n')) {
    const match = /^\s*(\d+)\s+.*meridian\.js node --region (\S+)/.exec(line);
    if (match?.[2] === region) return Number(match[1]);
  }
  throw new Error(`no process for ${region}`);
}

async function startUp(): Promise<void> {
  output = '';
  const child = spawn(process.execPath, [BIN, 'up', topology.path], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  up = child;
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await waitFor('meridian up', async () => {
    if (child.exitCode !== null) throw new Error(output);
    return output.includes('Meridian is up') ? true : undefined;
  });
}

async function stopUp(): Promise<void> {
  const child = up;
  if (child === undefined || child.exitCode !== null) return;
  await new Promise((resolve) => {
    child.once('exit', resolve);
    child.kill('SIGTERM');
  });
}

beforeAll(async () => {
  topology = await writeTopology();
  writeFileSync(topology.path, readFileSync(topology.path, 'utf8').replace('durability: none', 'durability: always'));
  routerUrl = `http://127.0.0.1:${topology.routerPort}`;
  await startUp();
}, 40_000);

afterAll(async () => {
  await stopUp();
  if (topology !== undefined) rmSync(topology.dir, { recursive: true, force: true });
});

describe('meridian failover', () => {
  it('hands the primary role to another region: nothing acknowledged lost, writes carry on there, everyone follows, and it survives a restart', async () => {
    const redis = new Redis({ url: routerUrl, token: env.MERIDIAN_TOKEN, enableAutoPipelining: false });
    for (let i = 0; i < 40; i++) await redis.set(`before:${i}`, `v${i}`);
    const before = await admin(0, 'status');
    expect(before['role']).toBe('primary');
    const oldHistory = String(before['replicationId']);

    const run = await runCli(['failover', '--to', 'eu-west-1', '--config', topology.path, '--json'], env, 40_000);
    expect(run.stderr).not.toContain('failover:');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as { from: string; to: string; epoch: number; fencedAtOffset: number };
    expect(report).toMatchObject({ from: 'us-east-1', to: 'eu-west-1', epoch: 1 });
    expect(report.fencedAtOffset).toBeGreaterThanOrEqual(40);

    const eu = await admin(1, 'status');
    expect(eu).toMatchObject({ role: 'primary', epoch: 1 });
    expect(eu['previousHistory']).toEqual({ replicationId: oldHistory, offset: report.fencedAtOffset });
    const us = await waitFor('the old primary following', async () => {
      const status = await admin(0, 'status');
      return status['role'] === 'replica' && status['epoch'] === 1 && status['replicationId'] !== ''
        ? status
        : undefined;
    });
    // It kept its log and resumed from it (PSYNC2-style), no full resync.
    expect(us['appliedOffset']).toBeGreaterThanOrEqual(report.fencedAtOffset);
    await waitFor('the partial resync in the log', async () =>
      /replica us-east-1 \(us-east-1\) connected, partial resync/.test(output) ? true : undefined,
    );

    // The router learns the new primary from the regions' status and sends writes there.
    const served = await waitFor('a write served by eu-west-1 through the router', async () => {
      const answer = await fetch(`${routerUrl}/set/after/1`, {
        headers: { authorization: `Bearer ${env.MERIDIAN_TOKEN}` },
      });
      return answer.status === 200 && answer.headers.get('x-meridian-served-by') === 'eu-west-1' ? answer : undefined;
    });
    expect(await served.json()).toEqual({ result: 'OK' });
    for (let i = 0; i < 40; i++) expect(await redis.get(`before:${i}`)).toBe(`v${i}`);
    // A write sent straight to the old primary is forwarded to the new one.
    const forwarded = await fetch(`${regionUrl(0)}/set/via-old/1`, {
      headers: { authorization: `Bearer ${env.MERIDIAN_TOKEN}` },
    });
    expect(await forwarded.json()).toEqual({ result: 'OK' });

    // A sync token naming a write past the take-over offset of the old history: lost, said so.
    const lost = await fetch(`${regionUrl(1)}/get/before:1`, {
      headers: {
        authorization: `Bearer ${env.MERIDIAN_TOKEN}`,
        'upstash-sync-token': `${oldHistory}:${report.fencedAtOffset + 5}`,
      },
    });
    expect(lost.status).toBe(400);
    expect(((await lost.json()) as { error: string }).error).toContain('MERIDIAN_SYNC_TOKEN_LOST');
    // One of the history it continues, at or before the take-over: read your writes as usual.
    const kept = await fetch(`${regionUrl(1)}/get/before:1`, {
      headers: {
        authorization: `Bearer ${env.MERIDIAN_TOKEN}`,
        'upstash-sync-token': `${oldHistory}:${report.fencedAtOffset}`,
      },
    });
    expect(await kept.json()).toEqual({ result: 'v1' });

    // Every region converges on the new primary's keyspace.
    await waitFor('digests equal', async () => {
      const digests = await Promise.all([0, 1, 2].map((i) => admin(i, 'digest')));
      const [first] = digests;
      return digests.every((d) => d['digest'] === first?.['digest'] && d['offset'] === first?.['offset'])
        ? true
        : undefined;
    });

    // The new primary and epoch survive restarting every process.
    await stopUp();
    await startUp();
    expect(output).toContain('primary eu-west-1');
    expect(await admin(1, 'status')).toMatchObject({ role: 'primary', epoch: 1 });
    expect(await admin(0, 'status')).toMatchObject({ role: 'replica', epoch: 1 });
    await waitFor('a write after the restart', async () => {
      const answer = await fetch(`${routerUrl}/set/after-restart/1`, {
        headers: { authorization: `Bearer ${env.MERIDIAN_TOKEN}` },
      });
      return answer.status === 200 ? true : undefined;
    });
    expect(await redis.get('before:39')).toBe('v39');
  }, 120_000);

  it('--force promotes a replica while the primary is unreachable; the old primary comes back, discards its unreplicated writes and follows', async () => {
    const auth = { authorization: `Bearer ${env.MERIDIAN_TOKEN}` };
    // eu-west-1 is primary (epoch 1). Cut its links so the next writes stay on it alone.
    for (const to of ['us-east-1', 'ap-southeast-1']) {
      const cut = await runCli(['lag', 'partition', '--config', topology.path, '--from', 'eu-west-1', '--to', to], env);
      expect(cut.code).toBe(0);
    }
    const tokens: string[] = [];
    for (let i = 0; i < 3; i++) {
      const answer = await fetch(`${regionUrl(1)}/set/unreplicated:${i}/x`, { headers: auth });
      expect(await answer.json()).toEqual({ result: 'OK' });
      tokens.push(answer.headers.get('upstash-sync-token') ?? '');
    }
    const euPid = regionPid('eu-west-1');
    process.kill(euPid, 'SIGSTOP');
    try {
      const run = await runCli(
        ['failover', '--to', 'ap-southeast-1', '--force', '--config', topology.path, '--json'],
        env,
        40_000,
      );
      expect(run.code).toBe(0);
      const report = JSON.parse(run.stdout) as { to: string; epoch: number; unreachable: string[] };
      expect(report).toMatchObject({ to: 'ap-southeast-1', epoch: 2, unreachable: ['eu-west-1'] });
      await waitFor('a write served by ap-southeast-1 through the router', async () => {
        const answer = await fetch(`${routerUrl}/set/after-force/1`, { headers: auth });
        return answer.status === 200 && answer.headers.get('x-meridian-served-by') === 'ap-southeast-1'
          ? true
          : undefined;
      });
    } finally {
      process.kill(euPid, 'SIGCONT');
    }
    // Back, eu-west-1 finds a primary of a newer epoch, follows it and loses the writes only it had.
    await waitFor('eu-west-1 following ap-southeast-1', async () => {
      const status = await admin(1, 'status');
      return status['role'] === 'replica' && status['epoch'] === 2 ? true : undefined;
    });
    await waitFor('the discarded tail reported', async () =>
      /its 3 unreplicated entries are discarded/.test(output) ? true : undefined,
    );
    const lost = await fetch(`${regionUrl(2)}/get/unreplicated:2`, {
      headers: { ...auth, 'upstash-sync-token': tokens[2] ?? '' },
    });
    expect(((await lost.json()) as { error: string }).error).toContain('MERIDIAN_SYNC_TOKEN_LOST');
    await waitFor('digests equal after the forced failover', async () => {
      const digests = await Promise.all([0, 1, 2].map((i) => admin(i, 'digest')));
      const [first] = digests;
      return digests.every((d) => d['digest'] === first?.['digest']) ? true : undefined;
    });
    const gone = await fetch(`${regionUrl(1)}/get/unreplicated:0`, { headers: auth });
    expect(await gone.json()).toEqual({ result: null });
  }, 120_000);
});
