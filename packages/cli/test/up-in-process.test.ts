import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, writeTopology } from './topology-fixture.js';

describe('meridian up --in-process', () => {
  it('runs the topology in one process with generated tokens, routes, and stops on SIGTERM', async () => {
    const topology = await writeTopology();
    const env = { ...process.env };
    for (const name of [
      'MERIDIAN_TOKEN',
      'MERIDIAN_READONLY_TOKEN',
      'MERIDIAN_ADMIN_TOKEN',
      'MERIDIAN_REPLICATION_SECRET',
    ]) {
      delete env[name];
    }
    const up = spawn(process.execPath, [BIN, 'up', '--in-process', topology.path], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    up.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    up.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => up.on('exit', resolve));
    try {
      const deadline = Date.now() + 20_000;
      while (!output.includes('Ctrl-C stops everything.')) {
        if (Date.now() > deadline || up.exitCode !== null) throw new Error(`meridian up did not start:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const secrets = JSON.parse(readFileSync(join(topology.dir, 'data', 'secrets.json'), 'utf8')) as { token: string };
      expect(output).toContain(`MERIDIAN_TOKEN=${secrets.token}`);
      const router = `http://127.0.0.1:${topology.routerPort}`;
      const auth = { authorization: `Bearer ${secrets.token}` };
      const write = await fetch(`${router}/set/in-process/yes`, { method: 'POST', headers: auth });
      expect(write.headers.get('x-meridian-served-by')).toBe('us-east-1');
      const read = await fetch(`${router}/get/in-process`, {
        headers: {
          ...auth,
          'x-meridian-region': 'eu-west-1',
          'upstash-sync-token': write.headers.get('upstash-sync-token')!,
        },
      });
      expect(await read.json()).toEqual({ result: 'yes' });
      expect(read.headers.get('x-meridian-served-by')).toMatch(/^(eu-west-1|us-east-1)$/);
    } finally {
      up.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(output).toContain('meridian: stopped');
  });
});
