/**
 * Process faults of a whole `meridian up` topology under a bounded write load through the router:
 * the router SIGKILLed (up restarts it), and the primary→replica link partitioned and healed.
 */
import { parseLogLine } from '@meridian/metrics';
import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, writeTopology } from '../../packages/cli/test/topology-fixture.js';
import { ADMIN_TOKEN, type Answer, request, TOKEN } from '../integration/replication-cluster.js';
import { alive, childPid, childProcesses, sleep, waitFor, writeLoad } from './support/processes.js';

const WRITERS = 8;
const LOAD_MS = 3_000;
/** The router's restart takes 0.5 s of backoff plus its start; the load ends 0.5 s after it is back. */
const ROUTER_LOAD_MS_MAX = 10_000;
const PRIMARY = 'us-east-1';
const NEAR = 'eu-west-1';
const FAR = 'ap-southeast-1';

let topology: Awaited<ReturnType<typeof writeTopology>>;
let up: ChildProcess;
let output = '';

/** The resync modes a replica logged (`replication.connected` events in its JSON log lines), oldest first. */
function replicaSyncs(region: string): string[] {
  return output
    .split('\n')
    .map((line) => parseLogLine(line))
    .filter((record) => record?.['event'] === 'replication.connected' && record['region'] === region)
    .map((record) => String(record?.['mode']));
}
let routerUrl: string;
const nodeUrls = new Map<string, string>();

beforeAll(async () => {
  topology = await writeTopology();
  routerUrl = `http://127.0.0.1:${topology.routerPort}`;
  [PRIMARY, NEAR, FAR].forEach((region, i) => nodeUrls.set(region, `http://127.0.0.1:${topology.ports[i]}`));
  up = spawn(process.execPath, [BIN, 'up', topology.path], {
    env: {
      ...process.env,
      MERIDIAN_TOKEN: TOKEN,
      MERIDIAN_ADMIN_TOKEN: ADMIN_TOKEN,
      MERIDIAN_REPLICATION_SECRET: 'fault-replication',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  up.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  up.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 30_000;
  while (!output.includes('Meridian is up')) {
    if (up.exitCode !== null || Date.now() > deadline) throw new Error(`meridian up did not come up:\n${output}`);
    await sleep(50);
  }
}, 40_000);

afterAll(async () => {
  const children = up.pid === undefined ? [] : [...childProcesses(up.pid).keys()];
  if (up.exitCode === null && up.signalCode === null) {
    const exited = new Promise((resolve) => up.once('exit', resolve));
    up.kill('SIGTERM');
    await Promise.race([exited, sleep(10_000)]);
    if (up.exitCode === null && up.signalCode === null) up.kill('SIGKILL');
  }
  for (const pid of children) if (alive(pid)) process.kill(pid, 'SIGKILL');
  rmSync(topology.dir, { recursive: true, force: true });
});

function node(region: string): string {
  return nodeUrls.get(region) as string;
}

function send(body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  return request(routerUrl, '/', body, headers);
}

function admin(region: string, path: string, body?: unknown): Promise<Answer> {
  return request(node(region), path, body, { authorization: `Bearer ${ADMIN_TOKEN}` });
}

async function digest(region: string): Promise<{ offset: number; digest: string }> {
  return (await admin(region, '/_meridian/digest')).body as { offset: number; digest: string };
}

/** Every acknowledged key holds its value at the primary, read directly (not through the router). */
async function expectAtPrimary(acknowledged: ReadonlyMap<string, string>): Promise<void> {
  const keys = [...acknowledged.keys()];
  for (let start = 0; start < keys.length; start += 500) {
    const chunk = keys.slice(start, start + 500);
    const answer = await request(node(PRIMARY), '/', ['MGET', ...chunk]);
    const values = (answer.body as { result: (string | null)[] }).result;
    chunk.forEach((key, i) => expect(values[i], key).toBe(acknowledged.get(key)));
  }
}

/** Waits until the primary and `regions` report the same offset and digest. */
async function converged(regions: readonly string[], timeoutMs: number): Promise<{ offset: number; digest: string }> {
  return waitFor(
    `${regions.join(', ')} converged with ${PRIMARY}`,
    async () => {
      const [primary, ...others] = await Promise.all([PRIMARY, ...regions].map((region) => digest(region)));
      const same = others.every((d) => d.offset === primary?.offset && d.digest === primary.digest);
      return same ? primary : undefined;
    },
    timeoutMs,
  );
}

interface Outcome {
  startedAtMs: number;
  endedAtMs: number;
  error: string;
}

describe('the router SIGKILLed under a write load', () => {
  it('costs clients only connection errors while it is down; up restarts it; no acknowledged write is lost', async () => {
    const acknowledged = new Map<string, string>();
    const failures: Outcome[] = [];
    const wrongAnswers: string[] = [];
    const regions = [PRIMARY, NEAR, FAR];
    let backAtMs = Infinity;
    let acknowledgedAfterBack = 0;
    const load = writeLoad({
      writers: WRITERS,
      durationMs: ROUTER_LOAD_MS_MAX,
      step: async (writer, i) => {
        const [key, value] = [`router:${writer}:${i}`, `v${i}`];
        const startedAtMs = Date.now();
        try {
          const answer = await send(['SET', key, value], { 'x-meridian-region': regions[i % 3] as string });
          if (answer.status === 200 && (answer.body as { result?: unknown }).result === 'OK') {
            acknowledged.set(key, value);
            if (startedAtMs > backAtMs) acknowledgedAfterBack++;
          } else wrongAnswers.push(`${answer.status} ${JSON.stringify(answer.body)}`);
        } catch (error) {
          failures.push({ startedAtMs, endedAtMs: Date.now(), error: String(error) });
          await sleep(10);
        }
      },
    });
    await sleep(700);
    const routerPid = childPid(up.pid as number, 'meridian.js router');
    expect(routerPid).toBeDefined();
    const killedAtMs = Date.now();
    process.kill(routerPid as number, 'SIGKILL');
    backAtMs = await waitFor('the router back', async () => {
      const health = await request(routerUrl, '/_meridian/health');
      return health.status === 200 ? Date.now() : undefined;
    });
    await sleep(500);
    load.stop();
    await load.done;

    expect(wrongAnswers).toEqual([]);
    expect(failures.length).toBeGreaterThan(0);
    for (const failure of failures) {
      expect(failure.error).toMatch(/ECONNREFUSED|ECONNRESET|socket hang up/);
      expect(failure.endedAtMs).toBeGreaterThanOrEqual(killedAtMs);
      expect(failure.startedAtMs).toBeLessThanOrEqual(backAtMs);
    }
    expect(acknowledgedAfterBack).toBeGreaterThan(0);
    expect(output).toMatch(/meridian: router was killed by SIGKILL; restarting/);
    expect(childPid(up.pid as number, 'meridian.js router')).not.toBe(routerPid);
    await expectAtPrimary(acknowledged);

    // Routing works again: writes to the primary, reads from each client's own region.
    expect(
      (await send(['SET', 'after-router', 'yes'], { 'x-meridian-region': FAR })).headers['x-meridian-served-by'],
    ).toBe(PRIMARY);
    for (const region of [NEAR, FAR]) {
      await waitFor(`a read served by ${region}`, async () => {
        const read = await send(['GET', 'after-router'], { 'x-meridian-region': region });
        const served = read.headers['x-meridian-served-by'] === region;
        return served && (read.body as { result: unknown }).result === 'yes' ? true : undefined;
      });
    }
  });
});

describe('the primary→replica link partitioned and healed under a write load', () => {
  it('keeps bounded reads off the cut-off replica; after the heal it converges and serves again', async () => {
    const acknowledged = new Map<string, string>();
    const load = writeLoad({
      writers: WRITERS,
      durationMs: LOAD_MS,
      step: async (writer, i) => {
        const [key, value] = [`partition:${writer}:${i % 50}`, `v${i}`];
        const answer = await send(['SET', key, value], { 'x-meridian-region': NEAR });
        if (answer.status !== 200) throw new Error(`write answered ${answer.status}: ${JSON.stringify(answer.body)}`);
        acknowledged.set(key, value);
      },
    });
    const syncsBefore = replicaSyncs(NEAR).length;
    await sleep(300);
    expect((await admin(PRIMARY, '/_meridian/lag', { action: 'partition', to: NEAR })).status).toBe(200);
    await waitFor(`${NEAR} cut off`, async () => {
      const status = (await admin(NEAR, '/_meridian/status')).body as { masterLinkUp?: boolean };
      return status.masterLinkUp === false ? true : undefined;
    });
    const bounded = { 'x-meridian-region': NEAR, 'x-meridian-consistency': 'bounded=300' };
    // Once the router's view shows the replica too stale, bounded reads go elsewhere, every time.
    await waitFor('bounded reads leaving the partitioned replica', async () => {
      const read = await send(['GET', 'partition:0:0'], bounded);
      return read.headers['x-meridian-served-by'] !== NEAR ? true : undefined;
    });
    for (let i = 0; i < 10; i++) {
      const read = await send(['GET', 'partition:0:0'], bounded);
      expect(read.status).toBe(200);
      expect(read.headers['x-meridian-served-by']).not.toBe(NEAR);
    }
    // Eventual reads may still be served by it (it answers its health checks); they say how stale.
    const eventual = await send(['GET', 'partition:0:0'], { 'x-meridian-region': NEAR });
    expect(eventual.status).toBe(200);
    if (eventual.headers['x-meridian-served-by'] === NEAR) {
      expect(Number(eventual.headers['x-meridian-staleness-ms'])).toBeGreaterThan(300);
    }

    expect((await admin(PRIMARY, '/_meridian/lag', { action: 'heal', to: NEAR })).status).toBe(200);
    await load.done;
    expect(acknowledged.size).toBeGreaterThan(20);
    const state = await converged([NEAR, FAR], 15_000);
    expect(state.offset).toBeGreaterThan(0);
    const syncs = replicaSyncs(NEAR);
    expect(syncs.length).toBeGreaterThan(syncsBefore);
    expect(syncs.at(-1)).toBe('partial');
    await expectAtPrimary(acknowledged);
    const values = (await request(node(NEAR), '/', ['MGET', ...acknowledged.keys()])).body as { result: unknown[] };
    expect(values.result).toEqual([...acknowledged.values()]);
    await waitFor(`bounded reads served by ${NEAR} again`, async () => {
      const read = await send(['GET', 'partition:0:0'], bounded);
      return read.headers['x-meridian-served-by'] === NEAR ? true : undefined;
    });
  });
});
