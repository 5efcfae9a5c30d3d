// `npm run bench` rows for the geo-router: GET through the router (one hop) vs GET straight to the node,
// each process on its own, load from autocannon in the bench process.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';

const TOKEN = 'bench-token';
const cli = new URL('../packages/cli/bin/meridian.js', import.meta.url).pathname;

function freePort() {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function launch(args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (text) => text.includes('"ready"') && resolve(child));
    child.once('exit', (code) => reject(new Error(`meridian ${args[0]} exited with ${code}`)));
  });
}

async function load(url, connections, seconds) {
  const result = await autocannon({
    url,
    method: 'POST',
    connections,
    duration: seconds,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: '["GET","k"]',
  });
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { requestsPerS: result.requests.average, latencyMsP50: result.latency.p50 };
}

export async function bench({ seconds, addRow }) {
  const dir = mkdtempSync(join(tmpdir(), 'meridian-bench-router-'));
  const [nodePort, routerPort] = [await freePort(), await freePort()];
  const config = join(dir, 'regions.yaml');
  writeFileSync(
    config,
    `primary: solo\ndataDir: ${dir}/data\ndurability: everysec\nregions:\n  - { name: solo, location: { lat: 38.9, lon: -77.4 }, host: 127.0.0.1, port: ${nodePort} }\nrouter: { host: 127.0.0.1, port: ${routerPort}, region: solo }\nnetwork: { delay: 0 }\n`,
  );
  const env = { MERIDIAN_TOKEN: TOKEN, MERIDIAN_REPLICATION_SECRET: 'bench-secret' };
  const children = [];
  try {
    children.push(await launch(['node', '--region', 'solo', '--config', config], env));
    children.push(await launch(['router', '--config', config], env));
    const direct = await load(`http://127.0.0.1:${nodePort}/`, 50, seconds);
    const routed = await load(`http://127.0.0.1:${routerPort}/`, 50, seconds);
    addRow(
      'GET through the geo-router (one hop), 50 conns',
      routed.requestsPerS,
      'req/s',
      direct.requestsPerS,
      'same GET straight to the node',
      '≥ 0.60',
    );
    const directOne = await load(`http://127.0.0.1:${nodePort}/`, 1, Math.min(seconds, 3));
    const routedOne = await load(`http://127.0.0.1:${routerPort}/`, 1, Math.min(seconds, 3));
    addRow(
      'router added p50 latency (1 connection)',
      routedOne.latencyMsP50 - directOne.latencyMsP50,
      'ms',
      undefined,
      undefined,
      '≤ 0.5 ms',
    );
  } finally {
    for (const child of children) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}
