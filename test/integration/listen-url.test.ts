import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, writeTopology } from '../../packages/cli/test/topology-fixture.js';

/**
 * A region that binds one address (`listen`) and is reached at another (`url`): the primary listens on
 * 127.0.0.2 only, and its `host: 127.0.0.1` has nothing behind it, so replication, forwarding, the
 * router and the CLI work only if they all use the `url`.
 */
const env = { MERIDIAN_TOKEN: 'listen-token', MERIDIAN_REPLICATION_SECRET: 'listen-secret' };
let topology: Awaited<ReturnType<typeof writeTopology>>;
let up: ChildProcess;
let output = '';

beforeAll(async () => {
  topology = await writeTopology();
  const port = topology.ports[0] as number;
  const text = readFileSync(topology.path, 'utf8').replace(
    `port: ${port} }`,
    `port: ${port}, listen: "127.0.0.2:${port}", url: "http://127.0.0.2:${port}" }`,
  );
  expect(text).toContain('listen: "127.0.0.2');
  writeFileSync(topology.path, text);
  up = spawn(process.execPath, [BIN, 'up', topology.path], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  up.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  up.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 30_000;
  while (!output.includes('Meridian is up')) {
    if (up.exitCode !== null || Date.now() > deadline) throw new Error(output);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}, 40_000);

afterAll(async () => {
  if (up.exitCode === null) {
    await new Promise((resolve) => {
      up.once('exit', resolve);
      up.kill('SIGTERM');
    });
  }
  rmSync(topology.dir, { recursive: true, force: true });
});

describe('listen and url', () => {
  it('replicas, the router and forwarded writes reach the primary at its url, not its host', async () => {
    const auth = { authorization: `Bearer ${env.MERIDIAN_TOKEN}` };
    const router = `http://127.0.0.1:${topology.routerPort}`;
    // Nothing on the configured host: the node bound 127.0.0.2.
    await expect(fetch(`http://127.0.0.1:${topology.ports[0]}/_meridian/health`)).rejects.toThrow();
    const write = await fetch(`${router}/set/k/v`, { headers: auth });
    expect(write.headers.get('x-meridian-served-by')).toBe('us-east-1');
    expect(await write.json()).toEqual({ result: 'OK' });
    const forwarded = await fetch(`http://127.0.0.1:${topology.ports[1]}/set/k2/v2`, { headers: auth });
    expect(await forwarded.json()).toEqual({ result: 'OK' });
    // The replicas replicate from it.
    for (let i = 0; i < 200; i++) {
      const read = await fetch(`http://127.0.0.1:${topology.ports[2]}/get/k2`, { headers: auth });
      if (((await read.json()) as { result: unknown }).result === 'v2') return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`ap-southeast-1 never received k2\n${output}`);
  }, 30_000);
});
