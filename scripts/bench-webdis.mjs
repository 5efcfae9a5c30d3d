// `npm run bench` rows for REST against the usual way to put HTTP on Redis: webdis in front of
// redis-server (Debian's packages), in the same run. Single SET and GET against webdis + redis-server
// without persistence, durable SET (Meridian `always`) against webdis + `appendfsync always`, and a
// /pipeline of 100 SETs against redis-server's own pipelining (redis-benchmark -P 100).
// Standalone: `npm run build && node scripts/bench-webdis.mjs` (BENCH_SECONDS, BENCH_ROUNDS).
// Needs `apt-get install redis-server redis-tools webdis`; rows are skipped with the reason otherwise.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import autocannon from 'autocannon';

const TOKEN = 'bench-token';
const run = promisify(execFile);
const found = (name) => ['/usr/bin', '/usr/sbin', '/usr/local/bin'].map((dir) => join(dir, name)).find(existsSync);

function freePort() {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function listening(port) {
  for (let attempt = 0; attempt < 200; attempt++) {
    const up = await new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`nothing listens on ${port}`);
}

function stop(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', resolve);
    child.kill('SIGTERM');
  });
}

async function startRedis(dir, durable) {
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir];
  args.push(...(durable ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']));
  const child = spawn(found('redis-server'), args, { stdio: 'ignore' });
  await listening(port);
  return { port, child };
}

async function startWebdis(dir, redisPort) {
  const port = await freePort();
  const config = join(dir, `webdis-${redisPort}.json`);
  writeFileSync(
    config,
    JSON.stringify({
      redis_host: '127.0.0.1',
      redis_port: redisPort,
      http_host: '127.0.0.1',
      http_port: port,
      threads: 2,
      pool_size: 20,
      daemonize: false,
      database: 0,
      verbosity: 0,
      logfile: join(dir, `webdis-${redisPort}.log`),
    }),
  );
  const child = spawn(found('webdis'), [config], { stdio: 'ignore' });
  await listening(port);
  return { port, child };
}

function startNode(kind, dir) {
  return new Promise((resolve, reject) => {
    const script = new URL('./bench-server.mjs', import.meta.url).pathname;
    const child = spawn(process.execPath, [script, kind, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (text) => {
      const match = /ready (\d+)/.exec(text);
      if (match) resolve({ port: Number(match[1]), child });
    });
    child.once('exit', (code) => reject(new Error(`bench server ${kind} exited with ${code}`)));
  });
}

/** GET requests in the path form both servers share (`/set/k/v`, `/GET/k`), 50 connections. */
async function rate(port, path, seconds, headers = {}) {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}${path}`,
    connections: 50,
    duration: seconds,
    headers,
  });
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`:${port}${path}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result.requests.average;
}

const PIPELINE = JSON.stringify(Array.from({ length: 100 }, (_, i) => ['SET', `key:${i}`, 'value']));

async function pipelineRate(port, seconds) {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}/pipeline`,
    method: 'POST',
    connections: 16,
    duration: seconds,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: PIPELINE,
  });
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`pipeline: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result.requests.average * 100;
}

/** redis-server's own rate for SETs pipelined 100 deep over 16 connections (redis-benchmark). */
async function redisPipelineRate(port, seconds) {
  const requests = String(Math.max(200_000, Math.round(seconds * 600_000)));
  const { stdout } = await run(found('redis-benchmark'), [
    '-h',
    '127.0.0.1',
    '-p',
    String(port),
    '-t',
    'set',
    '-P',
    '100',
    '-c',
    '16',
    '-n',
    requests,
    '-q',
    '--csv',
  ]);
  const line = stdout.split('\n').find((text) => text.startsWith('"SET"'));
  return Number(JSON.parse(`[${line}]`)[1]);
}

export async function bench({ seconds, rounds = 3, addRow }) {
  const missing = ['redis-server', 'webdis', 'redis-benchmark'].filter((name) => found(name) === undefined);
  if (missing.length > 0) {
    console.log(
      `  (webdis rows skipped: ${missing.join(', ')} not installed — apt-get install redis-server redis-tools webdis)`,
    );
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'meridian-bench-webdis-'));
  const children = [];
  try {
    const redis = await startRedis(dir, false);
    children.push(redis.child);
    const redisAlways = await startRedis(dir, true);
    children.push(redisAlways.child);
    const webdis = await startWebdis(dir, redis.port);
    children.push(webdis.child);
    const webdisAlways = await startWebdis(dir, redisAlways.port);
    children.push(webdisAlways.child);
    const memory = await startNode('meridian', dir);
    children.push(memory.child);
    const durable = await startNode('meridian-always', dir);
    children.push(durable.child);
    const auth = { authorization: `Bearer ${TOKEN}` };
    const loads = {
      webdisSet: (s) => rate(webdis.port, '/SET/k/v', s),
      ourSet: (s) => rate(memory.port, '/set/k/v', s, auth),
      webdisGet: (s) => rate(webdis.port, '/GET/k', s),
      ourGet: (s) => rate(memory.port, '/get/k', s, auth),
      webdisAlwaysSet: (s) => rate(webdisAlways.port, '/SET/k/v', s),
      ourAlwaysSet: (s) => rate(durable.port, '/set/k/v', s, auth),
      redisPipeline: (s) => redisPipelineRate(redis.port, s),
      ourPipeline: (s) => pipelineRate(memory.port, s),
    };
    for (const load of Object.values(loads)) await load(1);
    const best = {};
    for (let round = 0; round < rounds; round++) {
      for (const [name, load] of Object.entries(loads)) best[name] = Math.max(best[name] ?? 0, await load(seconds));
    }
    addRow(
      'single SET (GET /set/k/v, 50 conns; no persistence)',
      best.ourSet,
      'req/s',
      best.webdisSet,
      'webdis + redis-server',
      '≥ 1.0',
    );
    addRow('single GET (GET /get/k, 50 conns)', best.ourGet, 'req/s', best.webdisGet, 'webdis + redis-server', '≥ 1.0');
    addRow(
      'durable SET (GET /set/k/v, 50 conns; SQLite `always`)',
      best.ourAlwaysSet,
      'req/s',
      best.webdisAlwaysSet,
      'webdis + redis-server appendfsync always',
      '≥ 1.0',
    );
    addRow(
      '/pipeline of 100 SETs (16 conns; in-memory log)',
      best.ourPipeline,
      'commands/s',
      best.redisPipeline,
      'redis-server, redis-benchmark -P 100 -c 16',
      '≥ 1.0',
    );
  } finally {
    await Promise.all(children.map(stop));
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await bench({
    seconds: Number(process.env.BENCH_SECONDS ?? 5),
    rounds: Number(process.env.BENCH_ROUNDS ?? 3),
    addRow: (name, value, unit, reference, referenceName, target) =>
      console.log(
        `${name}: ${value.toFixed(0)} ${unit} vs ${reference.toFixed(0)} (${referenceName}), ratio ${(value / reference).toFixed(2)} — target ${target}`,
      ),
  });
}
