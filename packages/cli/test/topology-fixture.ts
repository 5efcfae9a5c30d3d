import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../bin/meridian.js', import.meta.url));

/** Ports the OS says are free right now (loopback only). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<net.Server>((resolve) => {
          const server = net.createServer();
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => (server.address() as net.AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

export const REGIONS = [
  { name: 'us-east-1', lat: 38.9, lon: -77.4 },
  { name: 'eu-west-1', lat: 53.3, lon: -6.3 },
  { name: 'ap-southeast-1', lat: 1.35, lon: 103.8 },
] as const;

/** A three-region regions.yaml on free ports in a fresh temp folder (dataDir inside it). */
export async function writeTopology(
  extra = '',
): Promise<{ dir: string; path: string; ports: number[]; routerPort: number }> {
  // Each region's RESP port defaults to its port + 1000: draw again when that lands on another port.
  let drawn = await freePorts(REGIONS.length + 1);
  while (drawn.some((port) => drawn.includes(port + 1000))) drawn = await freePorts(REGIONS.length + 1);
  const [routerPort, ...ports] = drawn;
  const dir = mkdtempSync(join(tmpdir(), 'meridian-topology-'));
  const regions = REGIONS.map(
    (region, i) =>
      `  - { name: ${region.name}, location: { lat: ${region.lat}, lon: ${region.lon} }, host: 127.0.0.1, port: ${ports[i]} }`,
  ).join('\n');
  const text = `version: 1
primary: us-east-1
dataDir: ./data
durability: none
regions:
${regions}
router: { host: 127.0.0.1, port: ${routerPort}, region: us-east-1 }
replication: { heartbeatMs: 50 }
${extra}`;
  const path = join(dir, 'regions.yaml');
  writeFileSync(path, text);
  return { dir, path, ports, routerPort: routerPort as number };
}

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the meridian bin to completion (bounded by `timeoutMs`). */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 15_000): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`meridian ${args.join(' ')} did not finish in ${timeoutMs} ms:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
