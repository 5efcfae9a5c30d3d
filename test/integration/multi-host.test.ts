import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from '@upstash/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, freePorts, runCli } from '../../packages/cli/test/topology-fixture.js';

/**
 * Regions on separate hosts, as far as one machine allows: each region's node runs in a Linux network
 * namespace of its own (`ip netns`), with its own address on a bridge, started with `meridian node`.
 * Nodes bind 0.0.0.0 (`listen`) and are reached over TLS at their namespace's address (`url`); the router runs
 * in the root namespace. Nothing shares a loopback or a process tree. Needs root and iproute2: skipped
 * with the reason otherwise.
 */
const ID = `${process.pid % 10000}`;
const BRIDGE = `mbr${ID}`;
const SUBNET = `10.${77 + (process.pid % 50)}.0`;
const REGIONS = [
  { name: 'us-east-1', lat: 38.9, lon: -77.4 },
  { name: 'eu-west-1', lat: 53.3, lon: -6.3 },
  { name: 'ap-southeast-1', lat: 1.35, lon: 103.8 },
] as const;
const TOKEN = 'multi-host-token';
const env = { MERIDIAN_TOKEN: TOKEN, MERIDIAN_REPLICATION_SECRET: 'multi-host-secret' };

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: 'pipe' });
}

function canUseNamespaces(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root';
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'pipe' });
  } catch {
    return 'no iproute2 (ip netns)';
  }
  return undefined;
}

const skipReason = canUseNamespaces();
if (skipReason !== undefined) console.warn(`multi-host test skipped: ${skipReason}`);

const namespace = (i: number): string => `mer${ID}-${i}`;
const address = (i: number): string => `${SUBNET}.${11 + i}`;
let dir: string;
const nodes = new Map<string, ChildProcess>();
let router: ChildProcess | undefined;
let routerPort = 0;
let output = '';

function cleanup(): void {
  for (const child of [...nodes.values(), router]) child?.kill('SIGKILL');
  for (let i = 0; i < REGIONS.length; i++) {
    try {
      ip('netns', 'del', namespace(i));
    } catch {
      // not there
    }
  }
  try {
    ip('link', 'del', BRIDGE);
  } catch {
    // not there
  }
}

function launch(args: string[], prefix: string[] = []): Promise<ChildProcess> {
  const [command, ...rest] =
    prefix.length > 0 ? [...prefix, process.execPath, BIN, ...args] : [process.execPath, BIN, ...args];
  const child = spawn(command as string, rest, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString();
      output += chunk.toString();
      if (seen.includes('"ready"')) resolve(child);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`meridian ${args.join(' ')} exited with ${code}\n${output}`)));
  });
}

async function startNode(i: number): Promise<void> {
  const region = REGIONS[i]!;
  nodes.set(
    region.name,
    await launch(
      ['node', '--region', region.name, '--config', join(dir, 'regions.yaml')],
      ['ip', 'netns', 'exec', namespace(i)],
    ),
  );
}

beforeAll(async () => {
  if (skipReason !== undefined) return;
  cleanup();
  dir = mkdtempSync(join(tmpdir(), 'meridian-multi-host-'));
  ip('link', 'add', BRIDGE, 'type', 'bridge');
  ip('addr', 'add', `${SUBNET}.1/24`, 'dev', BRIDGE);
  ip('link', 'set', BRIDGE, 'up');
  for (let i = 0; i < REGIONS.length; i++) {
    const ns = namespace(i);
    ip('netns', 'add', ns);
    ip('link', 'add', `${ns}a`, 'type', 'veth', 'peer', 'name', `${ns}b`);
    ip('link', 'set', `${ns}a`, 'master', BRIDGE, 'up');
    ip('link', 'set', `${ns}b`, 'netns', ns);
    ip('netns', 'exec', ns, 'ip', 'addr', 'add', `${address(i)}/24`, 'dev', `${ns}b`);
    ip('netns', 'exec', ns, 'ip', 'link', 'set', `${ns}b`, 'up');
    ip('netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up');
  }
  [routerPort] = (await freePorts(1)) as [number];
  const regions = REGIONS.map(
    (r, i) =>
      `  - { name: ${r.name}, location: { lat: ${r.lat}, lon: ${r.lon} }, host: ${address(i)}, port: 7701, respPort: none, listen: "0.0.0.0:7701", url: "https://${address(i)}:7701", tls: { cert: certs/${r.name}.pem, key: certs/${r.name}-key.pem } }`,
  ).join('\n');
  // Between hosts the regions speak TLS (replication asks for client certificates); the router, on this
  // host's loopback, serves plain HTTP and checks the regions' certificates against the CA.
  writeFileSync(
    join(dir, 'regions.yaml'),
    `version: 1\nprimary: us-east-1\ndataDir: ./data\ndurability: everysec\nregions:\n${regions}\nrouter: { host: 127.0.0.1, port: ${routerPort}, region: us-east-1 }\nreplication: { heartbeatMs: 50 }\ntls: { ca: certs/ca.pem, clientCerts: true }\n`,
  );
  const issued = await runCli(['certs', '--config', join(dir, 'regions.yaml'), '--out', join(dir, 'certs')]);
  if (issued.code !== 0) throw new Error(`meridian certs failed: ${issued.stderr}`);
  // Each region's data lives in its own folder, as on its own host.
  for (let i = 0; i < REGIONS.length; i++) await startNode(i);
  router = await launch(['router', '--config', join(dir, 'regions.yaml')]);
}, 60_000);

afterAll(() => {
  if (skipReason !== undefined) return;
  cleanup();
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(skipReason !== undefined)('regions in separate network namespaces', () => {
  it('serves writes, per-region reads and read-your-writes through the router, and survives a region killed and restarted', async () => {
    const url = `http://127.0.0.1:${routerPort}`;
    const redis = new Redis({ url, token: TOKEN, enableAutoPipelining: false });
    expect(await redis.set('k', 'v')).toBe('OK');
    expect(await redis.get('k')).toBe('v'); // the SDK's sync token: read-your-writes
    const readFrom = async (region: string): Promise<Response> =>
      fetch(`${url}/get/k`, { headers: { authorization: `Bearer ${TOKEN}`, 'x-meridian-region': region } });
    for (const region of REGIONS) {
      let seen = '';
      for (let i = 0; i < 100 && seen !== `${region.name} v`; i++) {
        const answer = await readFrom(region.name);
        seen = `${answer.headers.get('x-meridian-served-by')} ${((await answer.json()) as { result?: string }).result}`;
        if (seen !== `${region.name} v`) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(seen).toBe(`${region.name} v`);
    }
    // Singapore's host dies: its readers are served elsewhere; back, it catches up and serves again.
    nodes.get('ap-southeast-1')!.kill('SIGKILL');
    const elsewhere = await readFrom('ap-southeast-1');
    expect(elsewhere.status).toBe(200);
    expect(elsewhere.headers.get('x-meridian-served-by')).not.toBe('ap-southeast-1');
    expect(await redis.set('k', 'v2')).toBe('OK');
    await startNode(2);
    let last = '';
    for (let i = 0; i < 200; i++) {
      const answer = await readFrom('ap-southeast-1');
      const body = (await answer.json()) as { result?: string };
      last = `${answer.headers.get('x-meridian-served-by')} ${body.result}`;
      if (last === 'ap-southeast-1 v2') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(last).toBe('ap-southeast-1 v2');
  }, 60_000);
});
