import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import http from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, runCli, writeTopology } from './topology-fixture.js';

const TOKENS = {
  MERIDIAN_TOKEN: 'orphan-test-token',
  MERIDIAN_READONLY_TOKEN: 'orphan-test-readonly',
  MERIDIAN_ADMIN_TOKEN: 'orphan-test-admin',
  MERIDIAN_REPLICATION_SECRET: 'orphan-test-secret',
};

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function childPids(parentPid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(parentPid)], { encoding: 'utf8' })
      .split('\n')
      .map((line) => Number(line.trim()))
      .filter((pid) => pid > 0);
  } catch {
    return [];
  }
}

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function healthy(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.get({ host: '127.0.0.1', port, path: '/_meridian/health', timeout: 1000 }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.on('error', () => resolve(false));
    request.on('timeout', () => request.destroy());
  });
}

describe('meridian up: no orphans, a closed stdout, a second up', () => {
  const started: ChildProcess[] = [];
  afterAll(() => {
    for (const child of started) if (child.pid !== undefined && alive(child.pid)) child.kill('SIGKILL');
  });

  it('survives `| head -1`, refuses a second up naming the running nodes, and takes its children with it on SIGKILL', async () => {
    const topology = await writeTopology();
    const up = spawn(process.execPath, [BIN, 'up', topology.path], {
      env: { ...process.env, ...TOKENS },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    started.push(up);
    const upPid = up.pid as number;
    let output = '';
    up.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    up.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await until(() => output.includes('Meridian is up'), 'the banner', 60_000);
    const children = childPids(upPid);
    expect(children).toHaveLength(4); // three nodes and the router

    const second = await runCli(['up', topology.path], TOKENS, 20_000);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(
      `us-east-1 at 127.0.0.1:${topology.ports[0]} (a running Meridian primary of us-east-1)`,
    );
    expect(second.stderr).toContain(
      `eu-west-1 at 127.0.0.1:${topology.ports[1]} (a running Meridian replica of eu-west-1)`,
    );

    // Like `meridian up | head -1`: the reader goes away, then `up` has something to print.
    up.stdout.destroy();
    up.stderr.destroy();
    const replicaPid = childPids(upPid).find((pid) => {
      const args = execFileSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' });
      return args.includes('eu-west-1');
    }) as number;
    process.kill(replicaPid, 'SIGKILL');
    await until(() => !alive(replicaPid), 'the replica to die');
    await until(() => childPids(upPid).length === 4 && healthy(topology.ports[1] as number), 'the restarted replica');
    expect(alive(upPid)).toBe(true);

    const all = childPids(upPid);
    process.kill(upPid, 'SIGKILL');
    await until(() => all.every((pid) => !alive(pid)), 'every child to exit after `up` was SIGKILLed', 20_000);
  }, 120_000);

  it('fails at once, without restarts, when dataDir cannot be created', async () => {
    const topology = await writeTopology();
    const { readFileSync, writeFileSync } = await import('node:fs');
    writeFileSync(topology.path, readFileSync(topology.path, 'utf8').replace('dataDir: ./data', 'dataDir: /proc/nope'));
    const run = await runCli(['up', topology.path], TOKENS, 30_000);
    expect(run.code).toBe(1);
    const all = run.stdout + run.stderr;
    expect(all).toContain('MERIDIAN_STORE_DIR_NOT_WRITABLE');
    expect(all).toContain("mkdir '/proc/nope'");
    expect(all).not.toContain('restarting in');
    expect(all).toContain('not restarting it');
  }, 60_000);

  it('refuses a region name that is a path', async () => {
    const run = await runCli(['node', '--region', '../../x', '--port', '0', '--insecure-no-auth'], {}, 15_000);
    expect(run.code).toBe(78);
    expect(run.stderr).toContain('MERIDIAN_NODE_REGION_INVALID');
  });
});
