import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { NodeConfigError } from '@meridian/node';
import { startNode } from '@meridian/cli';

const bin = fileURLToPath(new URL('../bin/meridian.js', import.meta.url));

const dataDir = mkdtempSync(join(tmpdir(), 'meridian-cli-node-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('meridian node', () => {
  it('starts a primary with tokens from the environment', async () => {
    const env = { MERIDIAN_TOKEN: 'cli-token', MERIDIAN_READONLY_TOKEN: 'cli-ro' };
    const node = await startNode({ port: 0, host: '127.0.0.1', insecureNoAuth: false, region: 'r1', dataDir }, env);
    try {
      const write = await fetch(`${node.url}/set/k/v`, {
        method: 'POST',
        headers: { authorization: 'Bearer cli-token' },
      });
      expect(await write.json()).toEqual({ result: 'OK' });
      const refused = await fetch(`${node.url}/set/k/w`, {
        method: 'POST',
        headers: { authorization: 'Bearer cli-ro' },
      });
      expect(refused.status).toBe(400);
    } finally {
      await node.close();
    }
  });

  it('refuses to start without a token', async () => {
    await expect(startNode({ port: 0, host: '127.0.0.1', insecureNoAuth: false, dataDir }, {})).rejects.toThrow(
      NodeConfigError,
    );
  });

  it('runs from the bin, prints a ready line and stops cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, [bin, 'node', '--port', '0', '--region', 'test-1', '--data-dir', dataDir], {
      env: { ...process.env, MERIDIAN_TOKEN: 'bin-token' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const line = output.split('\n').find((text) => text.startsWith('{"event":"ready"'));
        if (line !== undefined) resolve((JSON.parse(line) as { url: string }).url);
      });
      child.on('exit', (code) => reject(new Error(`exited early with ${code}: ${output}`)));
    });
    const response = await fetch(`${url}/echo/hi`, { headers: { authorization: 'Bearer bin-token' } });
    expect(response.headers.get('x-meridian-served-by')).toBe('test-1');
    expect(await response.json()).toEqual({ result: 'hi' });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('exits 78 (fatal: `meridian up` does not restart it) with a clear message when no token is set', async () => {
    const env = { ...process.env };
    delete env['MERIDIAN_TOKEN'];
    const child = spawn(process.execPath, [bin, 'node', '--port', '0', '--data-dir', dataDir], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(78);
    expect(stderr).toContain('refusing to start without a token');
  });
});

describe('meridian node memory flags', () => {
  it('--max-memory-bytes and --max-memory-policy reach INFO and CONFIG GET; bad values are usage errors', async () => {
    const node = await startNode(
      {
        port: 0,
        host: '127.0.0.1',
        region: 'mem-1',
        dataDir,
        maxMemoryBytes: 2 * 1024 * 1024,
        maxMemoryPolicy: 'allkeys-lru',
      },
      { MERIDIAN_TOKEN: 'mem-token' },
    );
    try {
      const call = async (argv: string[]): Promise<unknown> => {
        const response = await fetch(node.url, {
          method: 'POST',
          headers: { authorization: 'Bearer mem-token' },
          body: JSON.stringify(argv),
        });
        return ((await response.json()) as { result: unknown }).result;
      };
      const info = (await call(['INFO', 'memory'])) as string;
      expect(info).toContain('maxmemory:2097152\r\n');
      expect(info).toContain('maxmemory_policy:allkeys-lru\r\n');
      expect(await call(['CONFIG', 'GET', 'maxmemory*'])).toEqual([
        'maxmemory',
        '2097152',
        'maxmemory-policy',
        'allkeys-lru',
      ]);
    } finally {
      await node.close();
    }
    for (const bad of [
      ['--max-memory-bytes', '1000'],
      ['--max-memory-policy', 'allkeys-lfu'],
    ]) {
      const child = spawn(process.execPath, [bin, 'node', '--port', '0', ...bad], {
        env: { ...process.env, MERIDIAN_TOKEN: 'x' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      expect(code, stderr).toBe(2);
      expect(stderr).toContain(bad[0]);
    }
  });
});
