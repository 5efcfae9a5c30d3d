/**
 * What the browser tests share: a five-region topology launched with `meridian up` on free loopback
 * ports, a static server on another port (another origin) serving a page that bundles the real
 * `@upstash/redis` from npm with esbuild, and Debian's Chromium driven by playwright-core.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { BIN, freePorts } from '../../packages/cli/test/topology-fixture.js';

export const CHROMIUM = '/usr/bin/chromium';
/** CI installs Chromium (.ci/run) and must run these tests; elsewhere they skip without it. */
export const browserMissing = !existsSync(CHROMIUM);
if (browserMissing && process.env['CI'] !== undefined) throw new Error(`${CHROMIUM} is required in CI`);

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const ARTIFACTS = join(ROOT, 'test-artifacts');

export const ENV = {
  MERIDIAN_TOKEN: 'browser-token',
  MERIDIAN_ADMIN_TOKEN: 'browser-admin',
  MERIDIAN_REPLICATION_SECRET: 'browser-replication',
};

export const REGIONS = [
  { name: 'us-east-1', lat: 38.9, lon: -77.4 },
  { name: 'us-west-2', lat: 45.6, lon: -121.2 },
  { name: 'eu-west-1', lat: 53.3, lon: -6.3 },
  { name: 'ap-southeast-1', lat: 1.35, lon: 103.8 },
  { name: 'sa-east-1', lat: -23.5, lon: -46.6 },
] as const;

export interface Topology {
  readonly dir: string;
  readonly configPath: string;
  readonly routerUrl: string;
  readonly regionUrls: Record<string, string>;
  readonly output: () => string;
  stop(): Promise<void>;
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** `meridian up` with five regions (geo delays: Singapore ≈ 100 ms one way from N. Virginia). */
export async function startTopology(extraYaml = ''): Promise<Topology> {
  const [routerPort, ...ports] = await freePorts(REGIONS.length + 1);
  const dir = mkdtempSync(join(tmpdir(), 'meridian-browser-'));
  const regions = REGIONS.map(
    (region, i) =>
      `  - { name: ${region.name}, location: { lat: ${region.lat}, lon: ${region.lon} }, host: 127.0.0.1, port: ${ports[i]} }`,
  ).join('\n');
  const configPath = join(dir, 'regions.yaml');
  writeFileSync(
    configPath,
    `version: 1
primary: us-east-1
dataDir: ./data
durability: none
regions:
${regions}
router: { host: 127.0.0.1, port: ${routerPort}, region: us-east-1 }
network: { delay: geo, jitter: { distribution: exponential, meanMs: 2 } }
replication: { heartbeatMs: 50 }
${extraYaml}`,
  );
  let output = '';
  const up: ChildProcess = spawn(process.execPath, [BIN, 'up', configPath], {
    cwd: dir,
    env: { ...process.env, ...ENV },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  up.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  up.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => up.once('exit', () => resolve()));
  await waitFor(
    'meridian up',
    () =>
      output.includes('Meridian is up') ? true : up.exitCode !== null ? Promise.reject(new Error(output)) : undefined,
    40_000,
  );
  return {
    dir,
    configPath,
    routerUrl: `http://127.0.0.1:${routerPort}`,
    regionUrls: Object.fromEntries(REGIONS.map((region, i) => [region.name, `http://127.0.0.1:${ports[i]}`])),
    output: () => output,
    async stop() {
      if (up.exitCode === null) up.kill('SIGTERM');
      const killer = setTimeout(() => up.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

/** The real SDK from npm, bundled for the browser; the page exposes it as `window.Redis`. */
export async function bundleSdk(): Promise<string> {
  const result = await build({
    stdin: { contents: "import { Redis } from '@upstash/redis';\nwindow.Redis = Redis;\n", resolveDir: ROOT },
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]?.text ?? '';
}

/** A static server on its own loopback port: a page on an origin other than every Meridian endpoint. */
export async function startPageServer(sdk: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((request, response) => {
    if (request.url === '/sdk.js') {
      response.writeHead(200, { 'content-type': 'text/javascript' });
      response.end(sdk);
      return;
    }
    response.writeHead(200, { 'content-type': 'text/html' });
    response.end('<!doctype html><html><head><script src="/sdk.js"></script></head><body>SDK page</body></html>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function artifactPath(name: string): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, name);
}
