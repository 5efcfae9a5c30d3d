import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runCli, writeTopology } from '../../packages/cli/test/topology-fixture.js';

/**
 * The whole topology as users run it: `meridian up` launches a primary, two replicas and the
 * router as child processes; the tests route, kill and lag them through HTTP and the CLI.
 */
const env = {
  MERIDIAN_TOKEN: 'topology-token',
  MERIDIAN_ADMIN_TOKEN: 'topology-admin',
  MERIDIAN_REPLICATION_SECRET: 'topology-replication',
};
let topology: Awaited<ReturnType<typeof writeTopology>>;
let up: ChildProcess;
let output = '';
let routerUrl: string;

function childPids(parent: number): Map<string, number> {
  const listing = execFileSync('ps', ['--ppid', String(parent), '-o', 'pid=,args='], { encoding: 'utf8' });
  const pids = new Map<string, number>();
  for (const line of listing.trim().split('\n')) {
    const match = /^\s*(\d+)\s+.*meridian\.js (node --region (\S+)|router)/.exec(line);
    if (match) pids.set(match[3] ?? 'router', Number(match[1]));
  }
  return pids;
}

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function send(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${routerUrl}/`, {
    method: 'POST',
    headers: { authorization: `Bearer ${env.MERIDIAN_TOKEN}`, ...headers },
    body: JSON.stringify(body),
  });
}

beforeAll(async () => {
  topology = await writeTopology();
  // The primary is killed and must come back with its data: durability: none would (rightly) refuse
  // to restart it empty over its replicas (docs/regions.md, durability: none).
  writeFileSync(topology.path, readFileSync(topology.path, 'utf8').replace('durability: none', 'durability: everysec'));
  routerUrl = `http://127.0.0.1:${topology.routerPort}`;
  up = spawn(process.execPath, [BIN, 'up', topology.path], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  up.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  up.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await waitFor(
    'meridian up',
    () =>
      output.includes('Meridian is up') ? true : up.exitCode !== null ? Promise.reject(new Error(output)) : undefined,
    30_000,
  );
}, 40_000);

afterAll(async () => {
  if (up !== undefined && up.exitCode === null) up.kill('SIGKILL');
});

describe('meridian up', () => {
  it('prints the endpoints, the tokens, a curl example and an SDK snippet', () => {
    expect(output).toContain(`router (router)`);
    expect(output).toContain(routerUrl);
    expect(output).toContain(`MERIDIAN_TOKEN=${env.MERIDIAN_TOKEN}`);
    expect(output).toMatch(/curl -H "Authorization: Bearer topology-token"/);
    expect(output).toContain(`new Redis({ url: '${routerUrl}', token: 'topology-token' })`);
  });
});

describe('routing through the router', () => {
  it('serves each client from its own region once the write has replicated', async () => {
    const write = await send(['SET', 'greeting', 'hello'], { 'x-meridian-region': 'ap-southeast-1' });
    expect(write.headers.get('x-meridian-served-by')).toBe('us-east-1');
    for (const region of ['us-east-1', 'eu-west-1', 'ap-southeast-1']) {
      const answer = await waitFor(`greeting in ${region}`, async () => {
        const read = await send(['GET', 'greeting'], { 'x-meridian-region': region });
        const body = (await read.json()) as { result: unknown };
        return body.result === 'hello' ? read : undefined;
      });
      expect(answer.headers.get('x-meridian-served-by')).toBe(region);
    }
  });

  it('honours strong, session and bounded reads under a 300 ms lag to Singapore', async () => {
    const set = await runCli(
      ['lag', 'set', '--config', topology.path, '--from', 'us-east-1', '--to', 'ap-southeast-1', '--delay', '300'],
      env,
    );
    expect(set.code).toBe(0);
    const sg = { 'x-meridian-region': 'ap-southeast-1' };
    const write = await send(['INCR', 'visits'], sg);
    const token = write.headers.get('upstash-sync-token')!;
    const strong = await send(['GET', 'visits'], { ...sg, 'x-meridian-consistency': 'strong' });
    expect(strong.headers.get('x-meridian-served-by')).toBe('us-east-1');
    expect(await strong.json()).toEqual({ result: '1' });
    const session = await send(['GET', 'visits'], { ...sg, 'upstash-sync-token': token });
    expect(await session.json()).toEqual({ result: '1' });
    for (let i = 0; i < 10; i++) {
      const bounded = await send(['GET', 'visits'], { ...sg, 'x-meridian-consistency': 'bounded=100' });
      expect(bounded.status).toBe(200);
      const servedBy = bounded.headers.get('x-meridian-served-by');
      if (servedBy !== 'us-east-1')
        expect(Number(bounded.headers.get('x-meridian-staleness-ms'))).toBeLessThanOrEqual(100);
      expect(servedBy).not.toBe('ap-southeast-1');
    }
    expect((await runCli(['lag', 'clear', '--config', topology.path], env)).code).toBe(0);
  });
});

describe('the CLI against a running topology', () => {
  it('status shows the roles and health of every region and the router', async () => {
    const run = await runCli(['status', '--config', topology.path], env);
    expect(run.code).toBe(0);
    const rows = run.stdout
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(/\s+/).slice(0, 4));
    expect(rows.slice(0, 3)).toEqual([
      ['us-east-1', 'primary', '0', 'up'],
      ['eu-west-1', 'replica', '0', 'up'],
      ['ap-southeast-1', 'replica', '0', 'up'],
    ]);
    expect(rows[3]?.slice(0, 3)).toEqual(['router', 'router', 'up']);
  });

  it('exec reaches a region directly and through the router', async () => {
    const direct = await runCli(
      ['exec', '--config', topology.path, '--region', 'us-east-1', 'SET', 'cli-key', 'v'],
      env,
    );
    expect(direct.stdout).toMatch(/^"OK"\n\(served by us-east-1/);
    const routed = await runCli(
      ['exec', '--config', topology.path, '--via-router', '--from', 'us-east-1', 'GET', 'cli-key'],
      env,
    );
    expect(routed.stdout).toMatch(/^"v"\n\(served by us-east-1/);
  });

  it('lag partition and heal show up in the nodes’ /_meridian/lag', async () => {
    const partition = await runCli(
      ['lag', 'partition', '--config', topology.path, '--from', 'us-east-1', '--to', 'eu-west-1'],
      env,
    );
    expect(partition.code).toBe(0);
    const show = await runCli(['lag', 'show', '--json', '--config', topology.path], env);
    const reports = JSON.parse(show.stdout) as {
      region: string;
      links: { from: string; to: string; partitioned?: boolean }[];
    }[];
    const primaryLinks = reports.find((report) => report.region === 'us-east-1')!.links;
    expect(primaryLinks.find((link) => link.to === 'eu-west-1')?.partitioned).toBe(true);
    expect(primaryLinks.find((link) => link.to === 'ap-southeast-1')?.partitioned).not.toBe(true);
    expect(
      (await runCli(['lag', 'heal', '--config', topology.path, '--from', 'us-east-1', '--to', 'eu-west-1'], env)).code,
    ).toBe(0);
    const healed = await fetch(`http://127.0.0.1:${topology.ports[0]}/_meridian/lag`, {
      headers: { authorization: `Bearer ${env.MERIDIAN_ADMIN_TOKEN}` },
    });
    const { links } = (await healed.json()) as { links: { to: string; partitioned?: boolean }[] };
    expect(links.find((link) => link.to === 'eu-west-1')?.partitioned).not.toBe(true);
  });
});

describe('faults', () => {
  it('fails reads over when a replica dies, and up restarts it', async () => {
    const pid = childPids(up.pid!).get('eu-west-1')!;
    process.kill(pid, 'SIGKILL');
    const read = await send(['GET', 'greeting'], { 'x-meridian-region': 'eu-west-1' });
    expect(read.status).toBe(200);
    expect(read.headers.get('x-meridian-served-by')).not.toBe('eu-west-1');
    await waitFor('restart notice', () =>
      /eu-west-1 was killed by SIGKILL; restarting/.test(output) ? true : undefined,
    );
    await waitFor('eu-west-1 back', async () => {
      const again = await send(['GET', 'greeting'], { 'x-meridian-region': 'eu-west-1' });
      return again.headers.get('x-meridian-served-by') === 'eu-west-1' ? true : undefined;
    });
  });

  it('answers writes with 503 while the primary is down; reads keep working', async () => {
    const pid = childPids(up.pid!).get('us-east-1')!;
    process.kill(pid, 'SIGKILL');
    const write = await send(['SET', 'k', 'v'], { 'x-meridian-region': 'eu-west-1' });
    expect(write.status).toBe(503);
    expect(((await write.json()) as { error: string }).error).toContain('primary unreachable');
    const read = await send(['GET', 'greeting'], { 'x-meridian-region': 'ap-southeast-1' });
    expect(read.status).toBe(200);
    expect(await read.json()).toEqual({ result: 'hello' });
    await waitFor('writes back', async () => ((await send(['SET', 'k', 'v'])).status === 200 ? true : undefined));
  });
});

describe('shutdown', () => {
  it('stops every child on Ctrl-C and exits 0', async () => {
    const pids = [...childPids(up.pid!).values()];
    expect(pids.length).toBe(4);
    const exited = new Promise<number | null>((resolve) => up.on('exit', resolve));
    up.kill('SIGINT');
    expect(await exited).toBe(0);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
  });
});
