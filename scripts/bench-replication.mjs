// `npm run bench` rows for replication over real WebSockets on loopback, primary in this process and
// 4 replicas in a child process:
// - commit→applied latency at a fixed 10,000 writes/s, no injected lag (targets p50 ≤ 1 ms, p99 ≤ 5 ms);
// - the highest write rate all 4 replicas keep up with, next to raw ws + msgpackr frames to 4 clients.
import { spawn } from 'node:child_process';
import http from 'node:http';
import { pathToFileURL } from 'node:url';
import { Packr } from 'msgpackr';
import { WebSocketServer, WebSocket } from 'ws';
import { Engine } from '../packages/engine/dist/index.js';
import { MemoryWriteLog } from '../packages/store/dist/index.js';
import {
  ReplicationPrimary,
  SystemClock,
  WsListener,
  engineSnapshotSource,
} from '../packages/replication/dist/index.js';

const REPLICAS = 4;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(sorted, p) {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

async function startPrimary() {
  const clock = new SystemClock();
  const engine = new Engine({ role: 'primary' });
  const log = new MemoryWriteLog();
  const server = http.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const primary = new ReplicationPrimary({
    listener: new WsListener({ server }),
    log,
    clock,
    snapshots: engineSnapshotSource(engine, log, clock),
    secret: 'bench-secret',
    replicationId: 'bench',
    heartbeatMs: 100,
  });
  const child = spawn(
    process.execPath,
    [
      new URL('./bench-replication-replicas.mjs', import.meta.url).pathname,
      `ws://127.0.0.1:${server.address().port}/_meridian/replication`,
      String(REPLICAS),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const state = { latencies: [], appliedMax: 0 };
  let buffer = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (text) => {
    buffer += text;
    const lines = buffer.split('\n');
    buffer = lines.pop();
    for (const line of lines) {
      const report = JSON.parse(line);
      state.latencies.push(...report.latencies);
      state.appliedMax = Math.max(state.appliedMax, report.appliedMax);
    }
  });
  let i = 0;
  const write = () => {
    const nowMs = clock.nowMs();
    const { effects } = engine.execute(['SET', `key:${i++ % 10000}`, 'value-of-32-bytes-xxxxxxxxxxxxxx'], nowMs);
    log.append(nowMs, effects);
    primary.onAppend();
  };
  const stop = async () => {
    child.kill('SIGKILL');
    await primary.close?.();
    server.closeAllConnections();
    server.close();
  };
  while (primary.status().filter((s) => s.state === 'live').length < REPLICAS) await sleep(50);
  return { state, write, log, primary, stop };
}

/** Writes at `rate`/s in 1 ms ticks for `seconds`; returns commit→applied percentiles. */
async function latencyAtRate(rate, seconds) {
  const bench = await startPrimary();
  try {
    const startMs = performance.now();
    const endMs = startMs + seconds * 1000;
    let written = 0;
    while (performance.now() < endMs) {
      const due = Math.floor(((performance.now() - startMs) * rate) / 1000);
      for (; written < due; written++) bench.write();
      await sleep(1);
    }
    await sleep(500);
    const sorted = bench.state.latencies.sort((a, b) => a - b);
    return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), samples: sorted.length };
  } finally {
    await bench.stop();
  }
}

/** Writes in bursts as fast as the replicas keep up (never more than 20k entries ahead). */
async function sustainedRate(seconds) {
  const bench = await startPrimary();
  try {
    const startMs = performance.now();
    const endMs = startMs + seconds * 1000;
    while (performance.now() < endMs) {
      const ahead = bench.log.lastOffset() - bench.state.appliedMax;
      if (ahead < 20_000) for (let n = 0; n < 2000; n++) bench.write();
      await new Promise((resolve) => setImmediate(resolve));
    }
    const deadline = performance.now() + 10_000;
    while (bench.state.appliedMax < bench.log.lastOffset() && performance.now() < deadline) await sleep(20);
    const elapsedS = (performance.now() - startMs) / 1000;
    return bench.state.appliedMax / elapsedS;
  } finally {
    await bench.stop();
  }
}

/** Reference: raw ws server sending msgpackr batches of the same entries to 4 clients, acked per batch. */
async function rawReference(seconds) {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  const packr = new Packr();
  const clients = [];
  for (let i = 0; i < REPLICAS; i++) {
    const socket = new WebSocket(`ws://127.0.0.1:${server.address().port}`);
    let received = 0;
    socket.on('message', (data) => {
      received += packr.unpack(data).length;
      socket.send(String(received));
    });
    clients.push(new Promise((resolve) => socket.once('open', () => resolve(socket))));
  }
  const sockets = [];
  server.on('connection', (socket) => {
    socket.acked = 0;
    socket.on('message', (data) => (socket.acked = Number(data)));
    sockets.push(socket);
  });
  const clientSockets = await Promise.all(clients);
  while (sockets.length < REPLICAS) await sleep(10);
  let offset = 0;
  const startMs = performance.now();
  const endMs = startMs + seconds * 1000;
  while (performance.now() < endMs) {
    if (offset - Math.min(...sockets.map((s) => s.acked)) < 20_000) {
      const entries = [];
      for (let n = 0; n < 1000; n++) {
        offset++;
        entries.push({
          offset,
          timeMs: Date.now(),
          effects: [['SET', `key:${offset % 10000}`, 'value-of-32-bytes-xxxxxxxxxxxxxx']],
        });
      }
      const frame = packr.pack(entries);
      for (const socket of sockets) socket.send(frame);
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  while (Math.min(...sockets.map((s) => s.acked)) < offset) await sleep(5);
  const rate = offset / ((performance.now() - startMs) / 1000);
  for (const socket of clientSockets) socket.close();
  server.close();
  return rate;
}

export async function bench({ seconds, addRow }) {
  const latency = await latencyAtRate(10_000, Math.min(seconds, 5));
  addRow(
    'replication commit→applied p50, 4 replicas, 10,000 writes/s',
    latency.p50,
    'ms',
    undefined,
    undefined,
    '≤ 1 ms',
  );
  addRow(
    'replication commit→applied p99, 4 replicas, 10,000 writes/s',
    latency.p99,
    'ms',
    undefined,
    undefined,
    '≤ 5 ms',
  );
  const ours = await sustainedRate(Math.min(seconds, 5));
  const raw = await rawReference(Math.min(seconds, 5));
  addRow(
    'replication throughput, 4 replicas keeping up',
    ours,
    'writes/s',
    raw,
    'raw ws + msgpackr to 4 clients',
    '≥ 100,000 writes/s',
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await bench({ seconds: Number(process.argv[2] ?? 5), addRow: (...row) => console.log(row) });
  process.exit(0);
}
