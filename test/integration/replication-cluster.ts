/**
 * Real region nodes as separate processes (the built `meridian node` binary) on loopback ports,
 * with a temporary regions.yaml and data folder, for the replication integration tests.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from '@upstash/redis';
import { freeLoopbackPorts } from '@meridian/cli';
import { expect } from 'vitest';

export const TOKEN = 'cluster-token';
export const ADMIN_TOKEN = 'cluster-admin';
const BIN = fileURLToPath(new URL('../../packages/cli/bin/meridian.js', import.meta.url));
const READY_MS_MAX = 15_000;

export interface LinkOverride {
  from: string;
  to: string;
  delayMs: number;
}

export interface ClusterOptions {
  replicas: number;
  delayMs?: number;
  links?: LinkOverride[];
  durability?: 'always' | 'everysec';
  /** Mean of an exponential jitter on every link (none when unset). */
  jitterMeanMs?: number;
  syncWaitMsMax?: number;
  /** Extra arguments for every `meridian node` (e.g. `--busy-reply-threshold-ms 100`). */
  nodeArgs?: string[];
  /** Top-level regions.yaml lines added as they are (e.g. `maxMemoryBytes: 2097152`). */
  extraConfig?: readonly string[];
}

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

/** One HTTP request without connection pooling (nodes restart under the tests). */
export function request(
  url: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
  timeoutMs = 20_000,
): Promise<Answer> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const outgoing = http.request(
      `${url}${path}`,
      {
        method: payload === undefined ? 'GET' : 'POST',
        agent: false,
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...headers },
        timeout: timeoutMs,
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: text === '' ? undefined : JSON.parse(text),
          }),
        );
        response.on('error', reject);
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error(`${path}: no answer`)));
    outgoing.on('error', reject);
    outgoing.end(payload);
  });
}

interface Running {
  child: ChildProcess;
  exited: Promise<number | null>;
  output: string[];
}

export class Cluster {
  readonly regions: string[];
  private readonly running = new Map<string, Running>();
  private readonly ports = new Map<string, number>();

  private constructor(
    readonly dir: string,
    readonly configPath: string,
    regions: string[],
    ports: number[],
    private readonly nodeArgs: string[] = [],
  ) {
    this.regions = regions;
    regions.forEach((region, i) => this.ports.set(region, ports[i] as number));
    this.ports.set('router', ports[regions.length] as number);
  }

  static async create(options: ClusterOptions): Promise<Cluster> {
    const dir = mkdtempSync(join(tmpdir(), 'meridian-cluster-'));
    const regions = Array.from({ length: options.replicas + 1 }, (_, i) => (i === 0 ? 'primary-1' : `replica-${i}`));
    // Distinct, and none another's default RESP port (port + 1000).
    const ports = await freeLoopbackPorts(regions.length + 1);
    const lines = [
      'version: 1',
      'primary: primary-1',
      `dataDir: ${JSON.stringify(join(dir, 'data'))}`,
      `durability: ${options.durability ?? 'always'}`,
      'regions:',
      ...regions.map(
        (name, i) =>
          `  - { name: ${name}, location: { lat: ${i * 10}, lon: ${i * 20} }, host: 127.0.0.1, port: ${ports[i]} }`,
      ),
      `router: { host: 127.0.0.1, port: ${ports[regions.length]} }`,
      'network:',
      `  delay: ${options.delayMs ?? 0}`,
      ...(options.jitterMeanMs === undefined
        ? []
        : [`  jitter: { distribution: exponential, meanMs: ${options.jitterMeanMs} }`]),
      '  jitterMode: per-message',
      `  links: [${(options.links ?? []).map((l) => `{ from: ${l.from}, to: ${l.to}, delayMs: ${l.delayMs} }`).join(', ')}]`,
      `replication: { heartbeatMs: 50, syncWaitMsMax: ${options.syncWaitMsMax ?? 1000} }`,
      ...(options.extraConfig ?? []),
    ];
    const configPath = join(dir, 'regions.yaml');
    writeFileSync(configPath, `${lines.join('\n')}\n`);
    return new Cluster(dir, configPath, regions, ports, options.nodeArgs);
  }

  get primary(): string {
    return this.regions[0] as string;
  }

  get replicas(): string[] {
    return this.regions.slice(1);
  }

  url(region: string): string {
    return `http://127.0.0.1:${this.ports.get(region) ?? 0}`;
  }

  output(region: string): string {
    return this.running.get(region)?.output.join('') ?? '';
  }

  /** The SDK against one region, one request at a time. */
  sdk(region: string): Redis {
    return new Redis({ url: this.url(region), token: TOKEN, enableAutoPipelining: false, enableTelemetry: false });
  }

  /** One command at `region` after it has applied `token` (a session read), with who served it. */
  async sessionCall(region: string, argv: unknown[], token: string): Promise<{ result: unknown; servedBy: unknown }> {
    const answer = await request(this.url(region), '/', argv, {
      'upstash-sync-token': token,
      'x-meridian-consistency': 'session',
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return { result: (answer.body as { result: unknown }).result, servedBy: answer.headers['x-meridian-served-by'] };
  }

  /** The geo-router's URL (running once `start('router')` resolved). */
  get routerUrl(): string {
    return this.url('router');
  }

  /** Spawns the region's node (or, for 'router', the geo-router) and resolves once it printed its ready line. */
  async start(region: string): Promise<void> {
    const args =
      region === 'router'
        ? ['router', '--config', this.configPath]
        : ['node', '--config', this.configPath, '--region', region, ...this.nodeArgs];
    const child = spawn(process.execPath, [BIN, ...args], {
      env: {
        ...process.env,
        MERIDIAN_TOKEN: TOKEN,
        MERIDIAN_ADMIN_TOKEN: ADMIN_TOKEN,
        MERIDIAN_REPLICATION_SECRET: 'cluster-secret',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    this.running.set(region, { child, exited, output });
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${region} not ready: ${output.join('')}`)), READY_MS_MAX);
      let stdout = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        output.push(chunk.toString());
        if (stdout.includes('"event":"ready"')) {
          clearTimeout(timer);
          resolve();
        }
      });
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`${region} exited with ${code}: ${output.join('')}`));
      });
    });
  }

  async startAll(): Promise<void> {
    await this.start(this.primary);
    await Promise.all(this.replicas.map((region) => this.start(region)));
  }

  /** Sends `signal` and waits for the process to exit. */
  async stop(region: string, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    const running = this.running.get(region);
    if (running === undefined) return null;
    running.child.kill(signal);
    const code = await running.exited;
    this.running.delete(region);
    return code;
  }

  /** Sends `signal` (SIGSTOP, SIGCONT…) without waiting for anything. */
  signal(region: string, signal: NodeJS.Signals): void {
    this.running.get(region)?.child.kill(signal);
  }

  async close(): Promise<void> {
    await Promise.all([...this.running.keys()].map((region) => this.stop(region, 'SIGKILL')));
    rmSync(this.dir, { recursive: true, force: true });
  }

  async command(
    region: string,
    argv: readonly (string | number)[],
    headers: Record<string, string> = {},
  ): Promise<Answer> {
    return request(this.url(region), '/', argv, headers);
  }

  async admin(region: string, path: string, body?: unknown): Promise<Answer> {
    return request(this.url(region), path, body, { authorization: `Bearer ${ADMIN_TOKEN}` });
  }

  async digest(region: string): Promise<{ offset: number; digest: string }> {
    return (await this.admin(region, '/_meridian/digest')).body as { offset: number; digest: string };
  }

  async status(region: string): Promise<Record<string, unknown>> {
    return (await this.admin(region, '/_meridian/status')).body as Record<string, unknown>;
  }

  /** Waits (bounded) until each replica reports its link to the primary up. */
  async linked(replicas: readonly string[] = this.replicas, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (const region of replicas) {
      while ((await this.status(region))['masterLinkUp'] !== true) {
        if (Date.now() > deadline) throw new Error(`${region} never connected to the primary`);
        await sleep(20);
      }
    }
  }

  /** Waits (bounded) until every running node reports the primary's offset and digest. */
  async converged(timeoutMs: number): Promise<{ offset: number; digest: string }> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      const nodes = [...this.running.keys()].filter((region) => region !== 'router');
      const digests = await Promise.all(nodes.map((region) => this.digest(region)));
      const first = digests[0];
      if (first !== undefined && digests.every((d) => d.offset === first.offset && d.digest === first.digest)) {
        return first;
      }
      last = JSON.stringify(digests);
      if (Date.now() > deadline) throw new Error(`no convergence within ${timeoutMs} ms: ${last}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
