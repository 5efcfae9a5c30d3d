import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, runCli, writeTopology } from './topology-fixture.js';

const TOKENS = {
  MERIDIAN_TOKEN: 'none-test-token',
  MERIDIAN_READONLY_TOKEN: 'none-test-readonly',
  MERIDIAN_ADMIN_TOKEN: 'none-test-admin',
  MERIDIAN_REPLICATION_SECRET: 'none-test-secret',
};

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function get(port: number, key: string): Promise<unknown> {
  const response = await fetch(`http://127.0.0.1:${port}/get/${key}`, {
    headers: { authorization: `Bearer ${TOKENS.MERIDIAN_TOKEN}` },
  });
  return ((await response.json()) as { result: unknown }).result;
}

describe('durability: none never erases replicas', () => {
  const started: ChildProcess[] = [];
  afterAll(() => {
    for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  it('a crashed primary is not restarted empty: replicas keep their data, and the reason is printed', async () => {
    const topology = await writeTopology();
    const up = spawn(process.execPath, [BIN, 'up', topology.path], {
      env: { ...process.env, ...TOKENS },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    started.push(up);
    let output = '';
    up.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    up.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await until(() => output.includes('Meridian is up'), 'the banner', 60_000);
    const [primaryPort, replicaPort] = topology.ports as [number, number];
    const write = await fetch(`http://127.0.0.1:${primaryPort}/set/kept/value`, {
      headers: { authorization: `Bearer ${TOKENS.MERIDIAN_TOKEN}` },
    });
    expect(write.status).toBe(200);
    await until(async () => (await get(replicaPort, 'kept')) === 'value', 'the write to reach eu-west-1');

    process.kill(primaryPid(up.pid as number), 'SIGKILL');
    await until(() => output.includes('MERIDIAN_NODE_EMPTY_PRIMARY'), 'the refusal', 30_000);
    await until(
      () => output.includes('us-east-1 cannot start (a fatal error, above); not restarting it'),
      'no restarts',
    );
    expect(output).toContain('eu-west-1, ap-southeast-1');
    expect(await get(replicaPort, 'kept')).toBe('value');
    up.kill('SIGTERM');
    await new Promise((resolve) => up.once('exit', resolve));
  }, 120_000);

  it('a durability: none primary run by hand refuses its second start until --accept-empty', async () => {
    const topology = await writeTopology();
    const args = ['node', '--config', topology.path, '--region', 'us-east-1'];
    const first = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, ...TOKENS },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    started.push(first);
    let firstOutput = '';
    first.stdout.on('data', (chunk: Buffer) => (firstOutput += chunk.toString()));
    await until(() => firstOutput.includes('"event":"ready"'), 'the first start');
    first.kill('SIGTERM');
    await new Promise((resolve) => first.once('exit', resolve));
    const refused = await runCli(args, TOKENS);
    expect(refused.code).toBe(78);
    expect(refused.stderr).toContain('MERIDIAN_NODE_EMPTY_PRIMARY');
    expect(refused.stderr).toContain('--accept-empty');
    const accepted = spawn(process.execPath, [BIN, ...args, '--accept-empty'], {
      env: { ...process.env, ...TOKENS },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    started.push(accepted);
    let acceptedOutput = '';
    accepted.stdout.on('data', (chunk: Buffer) => (acceptedOutput += chunk.toString()));
    await until(() => acceptedOutput.includes('"event":"ready"'), 'the accepted start');
    accepted.kill('SIGTERM');
    await new Promise((resolve) => accepted.once('exit', resolve));
  }, 60_000);
});

/** The pid of `up`'s child running the primary (us-east-1). */
function primaryPid(upPid: number): number {
  const lines = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(upPid)], { encoding: 'utf8' }).split('\n');
  const line = lines.find((text) => text.includes('--region us-east-1'));
  return Number(line?.trim().split(/\s+/)[0]);
}
