import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { digestKeyspace, Engine, type Reply } from '@meridian/engine';
import type { LinkModel } from '@meridian/lag';
import {
  type Connection,
  EngineApplier,
  engineSnapshotSource,
  type PrimaryOptions,
  type ReplicaEvent,
  type ReplicaOptions,
  ReplicationPrimary,
  ReplicationReplica,
  SystemClock,
  WsConnector,
  WsListener,
} from '@meridian/replication';
import { MemoryWriteLog } from '@meridian/store';

export const SECRET = 'test-secret';
export const clock = new SystemClock();

export async function listenHttp(port = 0): Promise<Server> {
  const server = createServer((_request, response) => response.writeHead(404).end());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return server;
}

export function portOf(server: Server): number {
  return (server.address() as AddressInfo).port;
}

export function closeHttp(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

export interface PrimaryHarness {
  engine: Engine;
  log: MemoryWriteLog;
  primary: ReplicationPrimary;
  server: Server;
  url: string;
  write(...argv: string[]): Reply;
  stop(): Promise<void>;
}

/** A primary over real WebSockets on 127.0.0.1 (an ephemeral port unless `port` is given). */
export async function startPrimary(
  options: Partial<PrimaryOptions> & { engine?: Engine; log?: MemoryWriteLog; port?: number } = {},
): Promise<PrimaryHarness> {
  const engine = options.engine ?? new Engine({ role: 'primary' });
  const log = options.log ?? new MemoryWriteLog();
  const server = await listenHttp(options.port ?? 0);
  const listener = new WsListener({ server, frameBytesMax: 8 * 1024 * 1024 });
  const primary = new ReplicationPrimary({
    listener,
    log,
    clock,
    snapshots: engineSnapshotSource(engine, log, clock),
    secret: SECRET,
    replicationId: 'history-a',
    heartbeatMs: 20,
    ...options,
  });
  return {
    engine,
    log,
    primary,
    server,
    url: `ws://127.0.0.1:${portOf(server)}/_meridian/replication`,
    write(...argv) {
      const nowMs = clock.nowMs();
      const { reply, effects } = engine.execute(argv, nowMs);
      if (effects.length > 0) {
        log.append(nowMs, effects);
        primary.onAppend();
      }
      return reply;
    },
    async stop() {
      await primary.close();
      await closeHttp(server);
    },
  };
}

export interface ReplicaHarness {
  engine: Engine;
  applier: EngineApplier;
  replica: ReplicationReplica;
  events: ReplicaEvent[];
}

/** A replica; `target` is read at each connect so a restarted primary on a new port is found. */
export function startReplica(
  target: { url: string },
  options: Partial<ReplicaOptions> & { applier?: EngineApplier; link?: LinkModel } = {},
): ReplicaHarness {
  const applier = options.applier ?? new EngineApplier(new Engine({ role: 'replica' }));
  const replica = new ReplicationReplica({
    connector: { connect: (): Promise<Connection> => new WsConnector({ url: target.url }).connect() },
    applier,
    clock,
    replicaId: 'replica-1',
    region: 'ap-southeast-1',
    secret: SECRET,
    random: Math.random,
    reconnectDelayMsMin: 10,
    reconnectDelayMsMax: 100,
    ...options,
  });
  const events: ReplicaEvent[] = [];
  replica.on((event) => events.push(event));
  replica.start();
  return { engine: applier.engine, applier, replica, events };
}

export async function waitUntil(condition: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits until the replica applied the primary's last offset, then compares keyspace digests. */
export async function converged(primary: PrimaryHarness, replica: ReplicaHarness, timeoutMs = 10_000): Promise<void> {
  const target = primary.log.lastOffset();
  await waitUntil(() => replica.replica.appliedOffset >= target, timeoutMs, `replica to reach offset ${target}`);
  if (replica.replica.appliedOffset !== target) {
    throw new Error(`replica at ${replica.replica.appliedOffset}, primary at ${target}`);
  }
  const expected = digestKeyspace(primary.engine.db);
  const actual = digestKeyspace(replica.engine.db);
  if (expected !== actual) throw new Error(`digest mismatch at offset ${target}: ${expected} vs ${actual}`);
}

export function modes(events: readonly ReplicaEvent[]): string[] {
  return events.flatMap((event) => (event.kind === 'connected' ? [event.mode] : []));
}

/** A mixed SET/DEL workload (with TTLs, so effects carry absolute PXAT times). */
export function writeMany(primary: PrimaryHarness, count: number, seed = 1): void {
  let state = seed;
  for (let i = 0; i < count; i++) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    const key = `k${state % 97}`;
    if (state % 5 === 0) primary.write('DEL', key);
    else if (state % 7 === 0) primary.write('SET', key, `v${i}`, 'PX', '600000');
    else primary.write('SET', key, `v${i}\u00ff\u0000`);
  }
}
