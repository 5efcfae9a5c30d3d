#!/usr/bin/env node
// `npm run bench`: every figure next to a reference measured in the same run on this machine, as a
// ratio. Servers run in their own processes; autocannon generates load from this one. Results go
// to bench-results/latest.json and a table on stdout. BENCH_SECONDS sets each HTTP run's length,
// BENCH_ROUNDS how many alternating runs each HTTP figure is the best of.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const TOKEN = 'bench-token';
const rows = [];
const results = { machine: machine(), startedAt: new Date().toISOString(), seconds, rounds, rows };

function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
  };
}

function startServer(kind, ...args) {
  return new Promise((resolve, reject) => {
    const script = new URL('./bench-server.mjs', import.meta.url).pathname;
    const child = spawn(process.execPath, [script, kind, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (text) => {
      const match = /ready (\d+)/.exec(text);
      if (match) resolve({ port: Number(match[1]), stop: () => child.kill('SIGKILL') });
    });
    child.once('exit', (code) => reject(new Error(`bench server ${kind} exited with ${code}`)));
  });
}

async function load(port, { path = '/', body, connections = 50, duration = seconds }) {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}${path}`,
    method: 'POST',
    connections,
    duration,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body,
  });
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`load on :${port}${path} saw ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { requestsPerS: result.requests.average, latencyMsP50: result.latency.p50, latencyMsP99: result.latency.p99 };
}

/** Starts every server (kind or [kind, ...args]) in its own process, runs `run` with their ports, stops them. */
async function withServers(kinds, run) {
  const servers = [];
  try {
    for (const kind of kinds) servers.push(await startServer(...[kind].flat()));
    return await run(servers.map((server) => server.port));
  } finally {
    for (const server of servers) server.stop();
  }
}

/**
 * Runs the loads one after another, BENCH_ROUNDS times over, after a 1 s warm-up each, and keeps
 * each load's best round: load from elsewhere on the machine then lowers a figure and its reference
 * alike instead of whichever happened to run at the wrong moment.
 */
async function bestOf(loads) {
  for (const run of loads) await run(1);
  const best = loads.map(() => undefined);
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < loads.length; i++) {
      const result = await loads[i](seconds);
      if (best[i] === undefined || result.requestsPerS > best[i].requestsPerS) best[i] = result;
    }
  }
  return best;
}

function addRow(name, value, unit, reference, referenceName, target) {
  const ratio = reference === undefined ? undefined : value / reference;
  rows.push({ name, value, unit, reference, referenceName, ratio, target });
}

const GET = '["GET","k"]';
const SET = '["SET","k","v"]';
const PIPELINE = JSON.stringify(Array.from({ length: 100 }, (_, i) => ['SET', `key:${i}`, 'value']));

async function benchHttp() {
  const dataDir = mkdtempSync(join(os.tmpdir(), 'meridian-bench-'));
  try {
    await withServers(['bare', 'map', 'meridian', ['meridian-always', dataDir]], async (ports) => {
      const [bare, map, memory, durable] = ports;
      const single = (port, body) => (duration) => load(port, { body, duration });
      const pipeline = (port) => (duration) =>
        load(port, { path: '/pipeline', body: PIPELINE, connections: 16, duration });
      const [bareGet, get, set, setDurable] = await bestOf([
        single(bare, GET),
        single(memory, GET),
        single(memory, SET),
        single(durable, SET),
      ]);
      const reference = bareGet.requestsPerS;
      addRow(
        'single GET (POST /, 50 conns; in-memory log)',
        get.requestsPerS,
        'req/s',
        reference,
        'bare node:http',
        '≥ 0.70',
      );
      addRow(
        'single SET (POST /, 50 conns; in-memory log)',
        set.requestsPerS,
        'req/s',
        reference,
        'bare node:http',
        '≥ 0.70',
      );
      addRow(
        'single SET (POST /, 50 conns; SQLite, durability always)',
        setDurable.requestsPerS,
        'req/s',
        reference,
        'bare node:http',
        '(info)',
      );
      const [mapPipeline, memoryPipeline, durablePipeline] = await bestOf([
        pipeline(map),
        pipeline(memory),
        pipeline(durable),
      ]);
      addRow(
        '/pipeline of 100 SETs (16 conns; in-memory log, no durability)',
        memoryPipeline.requestsPerS * 100,
        'commands/s',
        mapPipeline.requestsPerS * 100,
        'node:http + Map',
        '≥ 0.60 and ≥ 1,000,000/s',
      );
      addRow(
        '/pipeline of 100 SETs (16 conns; SQLite, durability always)',
        durablePipeline.requestsPerS * 100,
        'commands/s',
        mapPipeline.requestsPerS * 100,
        'node:http + Map',
        '(info)',
      );
    });
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const digits = (n, width) => String(n).padStart(width, '0');

/**
 * The memory shapes: each builds key `i`'s command, sent as JSON to ours (through the REST
 * layer's parser) and as RESP to redis-server, so both sides hold the same data.
 */
const MEMORY_SHAPES = [
  {
    name: 'memory, 1M string keys (16 B key, 32 B value)',
    keys: 1_000_000,
    command: (i) => ['SET', `key:${digits(i, 12)}`, `value:${digits(i, 26)}`],
  },
  {
    name: 'memory, 100k hashes of 10 fields (8 B values)',
    keys: 100_000,
    command: (i) => ['HSET', `hash:${digits(i, 11)}`, ...tenOf((j) => [`f${j}`, `v${digits(i * 10 + j, 7)}`])],
  },
  {
    name: 'memory, 100k sets of 10 members (8 B members)',
    keys: 100_000,
    command: (i) => ['SADD', `set:${digits(i, 12)}`, ...tenOf((j) => [`m${digits(i * 10 + j, 7)}`])],
  },
  {
    name: 'memory, 100k sorted sets of 10 members (8 B members)',
    keys: 100_000,
    command: (i) => ['ZADD', `zset:${digits(i, 11)}`, ...tenOf((j) => [String(j * 100), `m${digits(i * 10 + j, 7)}`])],
  },
  {
    name: 'memory, 1M string keys with TTLs (SET … EX 3600)',
    keys: 1_000_000,
    command: (i) => ['SET', `key:${digits(i, 12)}`, `value:${digits(i, 26)}`, 'EX', '3600'],
  },
];

function tenOf(argumentsOf) {
  return Array.from({ length: 10 }, (_, j) => argumentsOf(j)).flat();
}

const PIPELINE_COMMANDS = 1000;

/**
 * Live heap and external bytes once garbage is gone. Twice with a timer turn between: an ArrayBuffer's
 * backing store (an engine's dict index, tens of MB for 1M keys) is freed by a sweeper after the GC that
 * found it dead, so one gc() alone left the previous shape's index counted in the next shape's
 * "before" (the hashes row read 122 B/key instead of ~275).
 */
async function heapBytes() {
  global.gc?.();
  await new Promise((resolve) => setTimeout(resolve, 50));
  global.gc?.();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.external;
}

/**
 * Loads `shape` into a fresh engine the way a node gets it: /pipeline bodies of JSON text parsed
 * by the REST layer, each command executed. Strings then are flat sequential strings, as a server
 * holds them (template literals would make ConsStrings, ~70 B more per key).
 */
async function engineBytesPerKey(shape) {
  const { Engine } = await import('../packages/engine/dist/index.js');
  const { parseRestRequest } = await import('../packages/rest/dist/index.js');
  const nowMs = Date.now();
  const before = await heapBytes();
  const engine = new Engine({ role: 'primary' });
  for (let start = 0; start < shape.keys; start += PIPELINE_COMMANDS) {
    const commands = [];
    for (let i = start; i < Math.min(shape.keys, start + PIPELINE_COMMANDS); i++) commands.push(shape.command(i));
    const body = Buffer.from(JSON.stringify(commands), 'latin1');
    const parsed = parseRestRequest({ method: 'POST', url: '/pipeline', headers: {}, body }, { auth: undefined });
    if (parsed.kind !== 'pipeline') throw new Error(`bench: pipeline refused: ${JSON.stringify(parsed)}`);
    for (const argv of parsed.commands) engine.execute(argv, nowMs);
  }
  const after = await heapBytes();
  if (engine.db.data.size !== shape.keys) throw new Error(`bench: ${engine.db.data.size} keys, not ${shape.keys}`);
  return (after - before) / shape.keys;
}

async function benchMemory() {
  for (const shape of MEMORY_SHAPES) {
    const bytesPerKey = await engineBytesPerKey(shape);
    const redis = await redisBytesPerKey(shape);
    addRow(shape.name, bytesPerKey, 'bytes/key', redis, 'redis-server 7.0', '≤ 1.25× Redis');
  }
}

function resp(argv) {
  return `*${argv.length}\r\n${argv.map((argument) => `$${Buffer.byteLength(argument)}\r\n${argument}\r\n`).join('')}`;
}

/** Redis's `used_memory` growth per key for `shape`'s commands; undefined without redis-server. */
async function redisBytesPerKey(shape) {
  // A port the kernel just handed out, not a random one: a random pick once met the previous
  // shape's redis-server still exiting on it, and redis-cli --pipe died writing to a dead server.
  const port = await new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address();
      probe.close(() => resolve(free));
    });
  });
  const server = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const failed = await new Promise((resolve) => {
    server.once('error', () => resolve(true));
    setTimeout(() => resolve(false), 300);
  });
  if (failed) return undefined;
  try {
    const cli = (args, input) =>
      new Promise((resolve, reject) => {
        const child = spawn('redis-cli', ['-p', String(port), ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
        let out = '';
        child.stdout.on('data', (chunk) => (out += chunk));
        child.stdin.on('error', (error) => reject(new Error(`bench: redis-cli ${args.join(' ')}: ${error.message}`)));
        child.on('exit', () => resolve(out));
        child.stdin.end(input ?? '');
      });
    const usedMemory = async () => Number(/used_memory:(\d+)/.exec(await cli(['info', 'memory']))?.[1]);
    const before = await usedMemory();
    let protocol = '';
    const chunks = [];
    for (let i = 0; i < shape.keys; i++) {
      protocol += resp(shape.command(i));
      if (protocol.length > 1 << 20) (chunks.push(protocol), (protocol = ''));
    }
    chunks.push(protocol);
    await cli(['--pipe'], chunks.join(''));
    const after = await usedMemory();
    const keys = Number(/^db0:keys=(\d+)/m.exec(await cli(['info', 'keyspace']))?.[1]);
    if (keys !== shape.keys) throw new Error(`bench: redis-server holds ${keys} keys, not ${shape.keys}`);
    return (after - before) / shape.keys;
  } finally {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGKILL');
    await exited;
  }
}

async function benchDurableLog() {
  const { benchStore } = await import('./bench-store.mjs');
  const store = await benchStore({ durationMs: Math.min(seconds, 3) * 1000 });
  const always256 = store.always_256_writers;
  addRow(
    'durable writes, policy always, 256 writers',
    always256.entriesPerS,
    'entries/s',
    always256.rawEntriesPerS,
    'raw better-sqlite3 batches',
    '≥ 0.50',
  );
  const always1 = store.always_1_writers;
  addRow(
    'durable writes, policy always, 1 writer',
    always1.entriesPerS,
    'entries/s',
    always1.rawEntriesPerS,
    'raw better-sqlite3',
    '(info)',
  );
  const everysec = store.everysec;
  addRow(
    'durable writes, policy everysec',
    everysec.entriesPerS,
    'entries/s',
    everysec.rawEntriesPerS,
    'raw better-sqlite3 batches',
    '(info)',
  );
}

function format(n) {
  if (n === undefined) return '—';
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2);
}

function printTable() {
  const header = ['what', 'ours', 'unit', 'reference', 'ratio', 'target'];
  const lines = rows.map((row) => [
    row.name,
    format(row.value),
    row.unit,
    row.reference === undefined ? '—' : `${format(row.reference)} (${row.referenceName})`,
    row.ratio === undefined ? '—' : row.ratio.toFixed(2),
    row.target,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((line) => String(line[i]).length)));
  const render = (cells) => `| ${cells.map((cell, i) => String(cell).padEnd(widths[i])).join(' | ')} |`;
  console.log(render(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const line of lines) console.log(render(line));
}

const only = process.argv.slice(2);
const suites = { http: benchHttp, memory: benchMemory, store: benchDurableLog };
for (const extra of ['router', 'webdis', 'replication', 'sim', 'scripting', 'resp']) {
  try {
    const module = await import(`./bench-${extra}.mjs`);
    suites[extra] = () => module.bench({ seconds, rounds, addRow });
  } catch (error) {
    if (error?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
  }
}
for (const [name, run] of Object.entries(suites)) {
  if (only.length > 0 && !only.includes(name)) continue;
  console.error(`bench: ${name}…`);
  await run();
}
results.finishedAt = new Date().toISOString();
mkdirSync(new URL('../bench-results/', import.meta.url), { recursive: true });
writeFileSync(new URL('../bench-results/latest.json', import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
console.log(
  `Machine: ${results.machine.cpu}, ${results.machine.cores} cores, ${results.machine.memoryGiB} GiB, Node ${results.machine.node}`,
);
printTable();
