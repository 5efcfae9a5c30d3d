/**
 * No secret is ever printed: a node started from the built CLI with distinctive tokens is hit with bad
 * tokens, refused commands and malformed requests, and started with broken configurations; its
 * stdout and stderr must never contain a token or a long piece of one.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = join(import.meta.dirname, '../../packages/cli/bin/meridian.js');
const SECRETS = {
  MERIDIAN_TOKEN: 'tok-standard-Q7xz91LmPq',
  MERIDIAN_READONLY_TOKEN: 'tok-readonly-Zw83KdVn2a',
  MERIDIAN_ADMIN_TOKEN: 'tok-admin-Hy52RtGb7c',
  MERIDIAN_REPLICATION_SECRET: 'tok-replication-Mk40PsXe9f',
};

const directory = mkdtempSync(join(tmpdir(), 'meridian-secrets-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** Fails if the output holds any secret, or any 10-character piece of one. */
function expectNoSecret(output: string): void {
  for (const secret of Object.values(SECRETS)) {
    for (let i = 0; i + 10 <= secret.length; i++) {
      expect(output, `piece of ${secret.slice(0, 8)}…`).not.toContain(secret.slice(i, i + 10));
    }
  }
}

/** Every line a node prints is one JSON event: its name, level, time, region and role (issue 19). */
function expectStructured(output: string, region: string): void {
  const lines = output.split('\n').filter((line) => line !== '');
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) {
    const record = JSON.parse(line) as Record<string, unknown>;
    expect(typeof record['event'], line).toBe('string');
    expect(['debug', 'info', 'warn', 'error', 'fatal'], line).toContain(record['level']);
    expect(Number.isNaN(Date.parse(String(record['time']))), line).toBe(false);
    expect(record['region'], line).toBe(region);
    expect(typeof record['msg'], line).toBe('string');
  }
}

interface Run {
  output: () => string;
  ready: Promise<string>;
  exited: Promise<number | null>;
  stop: () => void;
}

function run(args: string[], env: Record<string, string>): Run {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const ready = new Promise<string>((resolve, reject) => {
    const scan = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      const line = output.split('\n').find((text) => text.startsWith('{"event":"ready"'));
      if (line !== undefined) resolve((JSON.parse(line) as { url: string }).url);
    };
    child.stdout.on('data', scan);
    child.stderr.on('data', scan);
    void exited.then((code) => reject(new Error(`exited with ${String(code)}: ${output}`)));
  });
  ready.catch(() => {});
  return { output: () => output, ready, exited, stop: () => child.kill('SIGTERM') };
}

async function post(url: string, body: string, token: string): Promise<number> {
  const response = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body });
  await response.arrayBuffer();
  return response.status;
}

describe('secrets in the output of a node process', () => {
  it('never prints a token while serving bad requests', async () => {
    const node = run(['node', '--port', '0', '--region', 'secrets', '--data-dir', join(directory, 'serve')], SECRETS);
    try {
      const url = await node.ready;
      const { MERIDIAN_TOKEN: token, MERIDIAN_READONLY_TOKEN: readonly, MERIDIAN_ADMIN_TOKEN: admin } = SECRETS;
      expect(await post(url, '["SET","k","v"]', token)).toBe(200);
      expect(await post(url, '["SET","k","v"]', token.slice(0, -1))).toBe(401);
      expect(await post(url, '["SET","k","v"]', `${token}${admin}`)).toBe(401);
      expect(await post(url, '["SET","k","v"]', readonly)).toBe(400);
      expect(await post(url, '["EVAL","return 1","0"]', readonly)).toBe(400);
      expect(await post(url, '{not json', token)).toBe(400);
      expect(await post(`${url}/pipeline`, '[["SET"],[null]]', token)).toBe(400);
      expect(await post(url, JSON.stringify(['SET', 'k', 'x'.repeat(11 * 1024 * 1024)]), token)).toBe(413);
      expect(await post(`${url}/_meridian/status`, '', token)).toBe(401);
      expect((await fetch(`${url}/_meridian/status`, { headers: { authorization: `Bearer ${admin}` } })).status).toBe(
        200,
      );
      expect((await fetch(`${url}/get/k?_token=${readonly.slice(0, 12)}`)).status).toBe(401);
    } finally {
      node.stop();
      await node.exited;
    }
    expectNoSecret(node.output());
    expectStructured(node.output(), 'secrets');
    expect(node.output()).toContain('"event":"process.shutdown"');
  });

  it('never prints a token when the configuration is refused', async () => {
    const broken: [string, string][] = [
      [
        'syntax',
        `version: 1\nprimary: a\nauth: { token: "${SECRETS.MERIDIAN_TOKEN}", adminToken: [${SECRETS.MERIDIAN_ADMIN_TOKEN}\n`,
      ],
      [
        'types',
        `version: 1\nprimary: a\nregions: 7\nauth: { token: ["${SECRETS.MERIDIAN_TOKEN}"], readonlyToken: { x: "${SECRETS.MERIDIAN_READONLY_TOKEN}" } }\n`,
      ],
      [
        'unknown key',
        `version: 1\nprimary: a\nauth: { tokn: "${SECRETS.MERIDIAN_TOKEN}", adminToken: "${SECRETS.MERIDIAN_ADMIN_TOKEN}" }\n`,
      ],
      [
        'region',
        `version: 1\nprimary: a\nregions:\n  - { name: a, host: 127.0.0.1, port: 0, location: { lat: 0, lon: 0 } }\nauth: { token: "${SECRETS.MERIDIAN_TOKEN}" }\n`,
      ],
    ];
    for (const [name, text] of broken) {
      const file = join(directory, `${name.replace(' ', '-')}.yaml`);
      writeFileSync(file, text);
      const node = run(['node', '--config', file, '--region', 'nowhere', '--data-dir', join(directory, 'config')], {});
      const code = await node.exited;
      expect(code, `${name}: ${node.output()}`).not.toBe(0);
      expect(node.output().length, name).toBeGreaterThan(0);
      expectNoSecret(node.output());
    }
    const offLoopback = run(
      ['node', '--host', '0.0.0.0', '--port', '0', '--insecure-no-auth', '--data-dir', join(directory, 'insecure')],
      {
        MERIDIAN_READONLY_TOKEN: SECRETS.MERIDIAN_READONLY_TOKEN,
        MERIDIAN_ADMIN_TOKEN: SECRETS.MERIDIAN_ADMIN_TOKEN,
      },
    );
    expect(await offLoopback.exited).toBe(78); // fatal: `meridian up` would not restart it
    expect(offLoopback.output()).toContain('--insecure-no-auth is allowed only on a loopback host');
    expectNoSecret(offLoopback.output());
    expect(offLoopback.output()).toContain('"event":"process.cannot-start","level":"fatal"');
  });
});
