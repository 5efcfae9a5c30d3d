/**
 * TLS end to end (issue 19): `meridian certs` issues a CA and a certificate per region; three
 * `meridian node` processes and `meridian router` serve HTTPS, WSS (replication, asking replicas for
 * client certificates) and RESP over TLS; the CLI reaches them; a replica that does not trust the
 * primary's certificate says so with a code; SIGHUP serves a new certificate without dropping replicas.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { MeridianNode } from '@meridian/node';
import { parseLogLine } from '@meridian/metrics';
import { BIN, freePorts, REGIONS, runCli } from '../../packages/cli/test/topology-fixture.js';

const TOKEN = 'tls-token-standard';
const ADMIN = 'tls-token-admin';
const SECRET = 'tls-replication-secret';
const ENV = { MERIDIAN_TOKEN: TOKEN, MERIDIAN_ADMIN_TOKEN: ADMIN, MERIDIAN_REPLICATION_SECRET: SECRET };

let dir: string;
let configPath: string;
let ports: number[];
let routerPort: number;
let ca: Buffer;
const children = new Map<string, { child: ChildProcess; output: () => string }>();

function start(name: string, args: string[]): Promise<void> {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, ...ENV },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  children.set(name, { child, output: () => output });
  return new Promise((resolve, reject) => {
    const scan = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      if (output.split('\n').some((line) => parseLogLine(line)?.['event'] === 'ready')) resolve();
    };
    child.stdout?.on('data', scan);
    child.stderr?.on('data', scan);
    child.once('exit', (code) => reject(new Error(`${name} exited with ${String(code)}:\n${output}`)));
  });
}

interface Answer {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

function call(
  port: number,
  path: string,
  options: { body?: unknown; token?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = https.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.body === undefined ? 'GET' : 'POST',
        ca,
        headers: { authorization: `Bearer ${options.token ?? TOKEN}`, ...options.headers },
      },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body, headers: response.headers }));
      },
    );
    request.on('error', reject);
    request.end(options.body === undefined ? undefined : JSON.stringify(options.body));
  });
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function status(port: number): Promise<Record<string, unknown>> {
  return call(port, '/_meridian/status', { token: ADMIN }).then(
    (answer) => JSON.parse(answer.body) as Record<string, unknown>,
  );
}

/** The certificate a TLS listener serves now (a fresh connection). */
function servedCommonName(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => {
      const name = socket.getPeerCertificate().subject.CN;
      socket.end();
      resolve(String(name));
    });
    socket.on('error', reject);
  });
}

function events(name: string, event: string): number {
  const output = children.get(name)?.output() ?? '';
  return output.split('\n').filter((line) => parseLogLine(line)?.['event'] === event).length;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'meridian-tls-'));
  let drawn = await freePorts(REGIONS.length + 1);
  while (drawn.some((port) => drawn.includes(port + 1000))) drawn = await freePorts(REGIONS.length + 1);
  [routerPort, ...ports] = drawn as [number, ...number[]];
  const regions = REGIONS.map(
    (region, i) =>
      `  - name: ${region.name}\n    location: { lat: ${region.lat}, lon: ${region.lon} }\n    host: 127.0.0.1\n    port: ${ports[i]}\n    tls: { cert: certs/${region.name}.pem, key: certs/${region.name}-key.pem }`,
  ).join('\n');
  configPath = join(dir, 'regions.tls.yaml');
  writeFileSync(
    configPath,
    `version: 1\nprimary: us-east-1\ndataDir: ./data\ndurability: everysec\nregions:\n${regions}\n` +
      `router: { host: 127.0.0.1, port: ${routerPort}, region: us-east-1, tls: { cert: certs/router.pem, key: certs/router-key.pem } }\n` +
      `replication: { heartbeatMs: 50 }\ntls: { ca: certs/ca.pem, clientCerts: true }\n`,
  );
  const issued = await runCli(['certs', '--config', configPath, '--out', join(dir, 'certs')]);
  expect(issued.code, issued.stderr).toBe(0);
  ca = readFileSync(join(dir, 'certs', 'ca.pem'));
  for (const region of REGIONS) await start(region.name, ['node', '--config', configPath, '--region', region.name]);
  await start('router', ['router', '--config', configPath]);
}, 60_000);

afterAll(async () => {
  await Promise.all(
    [...children.values()].map(
      ({ child }) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) resolve();
          else {
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
          }
        }),
    ),
  );
  rmSync(dir, { recursive: true, force: true });
});

describe('TLS across regions', () => {
  it('meridian certs issues a CA and a certificate per region and for the router, naming loopback', () => {
    const authority = new X509Certificate(ca);
    for (const name of [...REGIONS.map((region) => region.name), 'router']) {
      const cert = new X509Certificate(readFileSync(join(dir, 'certs', `${name}.pem`)));
      expect(cert.subject).toContain(`CN=${name}`);
      expect(cert.subjectAltName).toContain('IP Address:127.0.0.1');
      expect(cert.checkIssued(authority)).toBe(true);
      expect(existsSync(join(dir, 'certs', `${name}-key.pem`))).toBe(true);
    }
  });

  it('serves HTTPS everywhere: writes through the router reach every replica over WSS, read-your-writes holds', async () => {
    const write = await call(routerPort, '/', {
      body: ['SET', 'greeting', 'hello over tls'],
      headers: { 'x-meridian-region': 'ap-southeast-1' },
    });
    expect(write.status).toBe(200);
    expect(write.headers['x-meridian-served-by']).toBe('us-east-1');
    const token = String(write.headers['upstash-sync-token']);
    const read = await call(routerPort, '/get/greeting', {
      headers: { 'x-meridian-region': 'ap-southeast-1', 'upstash-sync-token': token },
    });
    expect(JSON.parse(read.body)).toEqual({ result: 'hello over tls' });
    for (const port of ports.slice(1)) {
      await until('the replica to apply the write', async () => {
        const answer = await call(port, '/get/greeting');
        return JSON.parse(answer.body).result === 'hello over tls' ? true : undefined;
      });
      const replica = await status(port);
      expect(replica['replicationState']).toBe('streaming');
      expect(replica['lastReplicationError']).toBeNull();
    }
    // The plain-HTTP port is gone: a node serving TLS answers no cleartext request.
    await expect(fetch(`http://127.0.0.1:${ports[0]}/get/greeting`)).rejects.toThrow();
  });

  it('serves RESP over TLS on each region', async () => {
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = tls.connect({ host: '127.0.0.1', port: (ports[1] as number) + 1000, ca, servername: 'localhost' });
      let text = '';
      socket.on('secureConnect', () => socket.write(`AUTH ${TOKEN}\r\nGET greeting\r\n`));
      socket.on('data', (chunk: Buffer) => {
        text += chunk.toString('utf8');
        if (text.includes('hello over tls')) {
          socket.end();
          resolve(text);
        }
      });
      socket.on('error', reject);
    });
    expect(reply).toBe('+OK\r\n$14\r\nhello over tls\r\n');
  });

  it('pub/sub over WSS: a subscriber on a replica receives a message published at the primary, counted there', async () => {
    const ws = new WebSocket(`wss://127.0.0.1:${ports[1]}/_meridian/pubsub`, {
      ca,
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const events: { type?: string; message?: string }[] = [];
    ws.on('message', (data: Buffer) => events.push(JSON.parse(data.toString('utf8')) as { type?: string }));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    try {
      ws.send(JSON.stringify({ op: 'subscribe', channels: ['tls-news'] }));
      await until('the subscription', async () => (events.some((e) => e.type === 'subscribe') ? true : undefined));
      // The replica reports its subscriber to the primary over WSS (with its client certificate): PUBLISH counts it.
      await until('the replica to report its subscriber', async () => {
        const published = await call(ports[0] as number, '/', { body: ['PUBLISH', 'tls-news', 'hello'] });
        return (JSON.parse(published.body) as { result: number }).result >= 1 ? true : undefined;
      });
      await until('the message', async () => (events.some((e) => e.message === 'hello') ? true : undefined));
    } finally {
      ws.close();
    }
  });

  it('the CLI reaches https:// regions with the topology CA', async () => {
    const run = await runCli(['status', '--config', configPath, '--json'], ENV);
    expect(run.code, run.stderr).toBe(0);
    const reports = JSON.parse(run.stdout) as { region: string; reachable: boolean }[];
    expect(
      reports
        .filter((report) => report.reachable)
        .map((report) => report.region)
        .sort(),
    ).toEqual(['ap-southeast-1', 'eu-west-1', 'router', 'us-east-1']);
  });

  it('refuses a replication socket without a client certificate the CA signed (tls.clientCerts), with a code', async () => {
    const refused = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const socket = new WebSocket(`wss://127.0.0.1:${ports[0]}/_meridian/replication`, { ca });
      socket.on('unexpected-response', (_request, response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      });
      socket.on('open', () => reject(new Error('the primary accepted a replica without a client certificate')));
      socket.on('error', () => undefined);
    });
    expect(refused).toEqual({ status: 403, body: '{"error":"MERIDIAN_TLS_CLIENT_CERT_REQUIRED"}' });
  });

  it("a replica that does not trust the primary's certificate says so with a code (TLS_CERT_INVALID) and stays unsynced", async () => {
    const otherCa = join(dir, 'other');
    const issued = await runCli(['certs', '--config', configPath, '--out', otherCa]);
    expect(issued.code, issued.stderr).toBe(0);
    const replica = new MeridianNode({
      token: TOKEN,
      adminToken: ADMIN,
      region: 'eu-west-1',
      report: () => undefined,
      replication: {
        primaryUrl: `https://127.0.0.1:${ports[0]}`,
        primaryRegion: 'us-east-1',
        secret: SECRET,
        reconnectDelayMsMin: 20,
        reconnectDelayMsMax: 50,
      },
      trust: { ca: readFileSync(join(otherCa, 'ca.pem')) },
    });
    await replica.start();
    try {
      const error = await until('the certificate error', async () => {
        const code = replica.status()['lastReplicationError'];
        return code === null ? undefined : code;
      });
      expect(error).toBe('TLS_CERT_INVALID');
      expect(replica.status()['masterLinkUp']).toBe(false);
    } finally {
      await replica.close();
    }
  });

  it('SIGHUP serves a new certificate to new connections; the replicas stay connected', async () => {
    expect(await servedCommonName(ports[0] as number)).toBe('us-east-1');
    const connectedBefore = ['eu-west-1', 'ap-southeast-1'].map((name) => events(name, 'replication.connected'));
    // Any certificate the CA signed for 127.0.0.1 will do: the router's.
    copyFileSync(join(dir, 'certs', 'router.pem'), join(dir, 'certs', 'us-east-1.pem'));
    copyFileSync(join(dir, 'certs', 'router-key.pem'), join(dir, 'certs', 'us-east-1-key.pem'));
    children.get('us-east-1')?.child.kill('SIGHUP');
    await until('the reload', async () => (events('us-east-1', 'tls.reloaded') > 0 ? true : undefined));
    expect(await servedCommonName(ports[0] as number)).toBe('router');
    expect(await servedCommonName((ports[0] as number) + 1000)).toBe('router');
    const write = await call(ports[0] as number, '/', { body: ['SET', 'after-reload', 'yes'] });
    expect(write.status).toBe(200);
    for (const port of ports.slice(1)) {
      await until('the write after the reload', async () => {
        const answer = await call(port, '/get/after-reload');
        return JSON.parse(answer.body).result === 'yes' ? true : undefined;
      });
    }
    expect(['eu-west-1', 'ap-southeast-1'].map((name) => events(name, 'replication.connected'))).toEqual(
      connectedBefore,
    );
  });
  it('meridian node --tls-cert/--tls-key/--tls-ca serves TLS without a config; a missing file stops a node at once, naming the field', async () => {
    const certs = join(dir, 'certs');
    await start('standalone', [
      'node',
      '--port',
      '0',
      '--region',
      'standalone',
      '--data-dir',
      join(dir, 'standalone'),
      '--tls-cert',
      join(certs, 'eu-west-1.pem'),
      '--tls-key',
      join(certs, 'eu-west-1-key.pem'),
      '--tls-ca',
      join(certs, 'ca.pem'),
    ]);
    const ready = (children.get('standalone')?.output() ?? '')
      .split('\n')
      .map((line) => parseLogLine(line))
      .find((record) => record?.['event'] === 'ready');
    const url = new URL(String(ready?.['url']));
    expect(url.protocol).toBe('https:');
    const write = await call(Number(url.port), '/', { body: ['SET', 'standalone', 'tls'] });
    expect(JSON.parse(write.body)).toEqual({ result: 'OK' });

    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, readFileSync(configPath, 'utf8').replace('certs/eu-west-1.pem', 'certs/missing.pem'));
    const run = await runCli(['node', '--config', broken, '--region', 'eu-west-1'], ENV);
    expect(run.code).toBe(78);
    expect(`${run.stdout}${run.stderr}`).toContain('MERIDIAN_TLS_FILE_UNREADABLE');
    expect(`${run.stdout}${run.stderr}`).toContain('regions[1].tls.cert: cannot read');
  });
});
