// Heap bytes allocated per replicated entry on one real replica over WebSockets: what
// bench-replication-alloc.mjs counts plus what it leaves out (ws's receive machinery, the ack
// written per apply turn, Node's timers and ticks). A child process runs a ReplicationPrimary
// (Engine + MemoryWriteLog + WsListener on loopback) writing ENTRIES_PER_TICK SETs (10,000 keys,
// 32-byte values) every 1 ms tick, as the replication bench's latency run does at 10,000 writes/s;
// this process runs one ReplicationReplica + EngineApplier over WsConnector with the system clock
// and a listener like the node's, and counts the growth of its used heap over 1 s windows with
// the young generation big enough that no GC falls inside one (checked), and the messages received.
// The primary (started with the same node flags) counts its own the same way and prints it on
// stderr: what it allocates per entry written and sent to the one replica, its workload included
// (the engine's SETs, the log). No timing: the figures move little with other jobs on the machine
// (a loaded machine may batch more entries per message, which it prints).
// Run: `npx tsc -b && node --expose-gc --max-semi-space-size=256 --min-semi-space-size=256
// scripts/bench-replication-alloc-ws.mjs [entriesPerTick]` (default 10).
import { spawn } from 'node:child_process';
import http from 'node:http';
import { PerformanceObserver } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import v8 from 'node:v8';
import { Engine } from '../packages/engine/dist/index.js';
import { MemoryWriteLog } from '../packages/store/dist/index.js';
import {
  EngineApplier,
  ReplicationPrimary,
  ReplicationReplica,
  SystemClock,
  WsConnector,
  WsListener,
  engineSnapshotSource,
} from '../packages/replication/dist/index.js';

const VALUE = 'value-of-32-bytes-xxxxxxxxxxxxxx';
const ROUNDS = 5;
const [mode, ticksText] = process.argv[2] === 'primary' ? process.argv.slice(2) : ['replica', process.argv[2]];
const entriesPerTick = Number(ticksText ?? 10);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The child: a primary writing every 1 ms; prints its URL. */
async function runPrimary() {
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
  console.log(`ws://127.0.0.1:${server.address().port}/_meridian/replication`);
  let i = 0;
  // The primary's own figure (its workload included: the engine's SETs and the log), on stderr.
  if (typeof globalThis.gc === 'function') {
    setTimeout(
      () => measure('primary', () => log.lastOffset()).catch((error) => console.error(`primary: ${error.message}`)),
      3000,
    );
  }
  setInterval(() => {
    for (let n = 0; n < entriesPerTick; n++) {
      const nowMs = clock.nowMs();
      const { effects } = engine.execute(['SET', `key:${i++ % 10000}`, VALUE], nowMs);
      log.append(nowMs, effects);
      primary.onAppend();
    }
    const acked = primary.status().map((status) => status.ackedOffset);
    if (acked.length > 0) log.truncateBefore(Math.min(...acked) + 1);
  }, 1);
}

/**
 * Used-heap growth per entry over ROUNDS windows of 1 s with no GC inside (it throws if one
 * falls inside), the offset read by `offsetOf`; `messages` counts messages when given.
 */
async function measure(who, offsetOf, messages) {
  let gcs = 0;
  new PerformanceObserver((list) => {
    gcs += list.getEntries().length;
  }).observe({ entryTypes: ['gc'] });
  const perEntry = [];
  const perMessage = [];
  for (let round = 0; round < ROUNDS; round++) {
    globalThis.gc();
    await sleep(5);
    const gcsBefore = gcs;
    const offset = offsetOf();
    const messagesBefore = messages?.count ?? 0;
    const before = v8.getHeapStatistics().used_heap_size;
    await sleep(1000);
    const after = v8.getHeapStatistics().used_heap_size;
    if (gcs !== gcsBefore) throw new Error('a GC fell inside the window: raise --max-semi-space-size');
    const entries = offsetOf() - offset;
    perEntry.push(Math.round((after - before) / entries));
    if (messages !== undefined) perMessage.push(Math.round((entries / (messages.count - messagesBefore)) * 10) / 10);
  }
  const median = (list) => [...list].sort((a, b) => a - b)[list.length >> 1];
  const per = messages === undefined ? '' : `; ${median(perMessage)} entries per message`;
  const text = `${who}: ${entriesPerTick} entries per 1 ms tick: ${median(perEntry)} bytes allocated per replicated entry (median of ${ROUNDS}: ${perEntry.join(', ')})${per}`;
  if (who === 'primary') console.error(text);
  else console.log(text);
}

/** Counts the messages a connector's connections deliver. */
function counting(connector, counter) {
  return {
    connect: async () => {
      const connection = await connector.connect();
      const setHandlers = connection.setHandlers.bind(connection);
      connection.setHandlers = (handlers) =>
        setHandlers({
          ...handlers,
          message: (bytes) => {
            counter.count++;
            handlers.message(bytes);
          },
        });
      return connection;
    },
  };
}

async function runReplica() {
  if (typeof globalThis.gc !== 'function') throw new Error('run with --expose-gc (see the header)');
  const script = new URL(import.meta.url).pathname;
  const child = spawn(process.execPath, [...process.execArgv, script, 'primary', String(entriesPerTick)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise((resolve) => createInterface({ input: child.stdout }).once('line', resolve));
  const counter = { count: 0 };
  const replica = new ReplicationReplica({
    connector: counting(new WsConnector({ url }), counter),
    applier: new EngineApplier(new Engine({ role: 'replica' })),
    clock: new SystemClock(),
    random: Math.random,
    replicaId: 'alloc-ws',
    region: 'r0',
    secret: 'bench-secret',
  });
  replica.on(() => undefined, { applied: false });
  replica.start();
  await sleep(3000); // JIT, and every key stored
  await measure('replica', () => replica.appliedOffset, counter);
  await sleep(500); // the primary's last window
  child.kill();
  process.exit(0);
}

await (mode === 'primary' ? runPrimary() : runReplica());
