import { type ChildProcess, spawn } from 'node:child_process';
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
    expect(output).toMatch(/replica us-east-1 \(us-east-1\) connected, partial resync/);

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
});
