import { Packr } from 'msgpackr';
import type { SnapshotEntry, TypeName } from '@meridian/engine';
import type { LogEntry } from '@meridian/store';
import { decodeBinary, encodeBinary, TAG_ACK, TAG_ENTRIES, TAG_HEARTBEAT } from './binary-frames.js';
import { crc32 } from './crc32.js';
import { isReplicationErrorCode, ReplicationError, type ReplicationErrorCode } from './errors.js';

/**
 * The replication protocol version. A replica and a primary talk only when they agree on it.
 *
 * Changelog:
 * - 1: hello/welcome handshake (version, replica id and region, last applied offset, replication
 *   id, shared secret); full resync as snapshot-begin/chunk/end; entries batches; heartbeats with
 *   the primary's offset and time; acks of the applied offset; error frames with stable codes.
 *   Every frame is msgpack followed by a big-endian CRC-32 of the msgpack bytes.
 * - 2: entries, ack and heartbeat frames in a binary layout (binary-frames.ts; byte strings as
 *   their bytes), told apart from msgpack by their first byte. Other frames unchanged.
 * - 3: a frame larger than the message limit (one big entry, one big key of a snapshot) travels as
 *   `part` messages (tag 0x04, frame-parts.ts) that the replica joins; heartbeats and errors may
 *   come between parts. The replica→primary message limit is small (64 KiB) from the first byte.
 * - 4: the hello carries `lastEntryCrc`, the checksum of the replica's entry at its last applied
 *   offset (-1: unknown); the primary resumes it only where its own entry there has the same
 *   checksum, so a tail that diverged (a primary that lost entries it had streamed, an old primary
 *   after a failover) is replaced by a full resync. A partial welcome may name a newer history than
 *   the hello's (the replica's history continues in it: PSYNC2's secondary id after a failover).
 */
export const PROTOCOL_VERSION = 4;

export interface HelloFrame {
  t: 'hello';
  version: number;
  replicaId: string;
  region: string;
  lastAppliedOffset: number;
  /** `entryChecksum` of the replica's entry at lastAppliedOffset; -1 when unknown (or offset 0). */
  lastEntryCrc: number;
  /** The history the replica's data belongs to ('' when it has none). */
  replicationId: string;
  secret: string;
}

export interface WelcomeFrame {
  t: 'welcome';
  mode: 'partial' | 'full';
  replicationId: string;
  /** Partial: the replica's last applied offset (entries follow from offset + 1). Full: the snapshot's offset. */
  offset: number;
  primaryOffset: number;
  primaryTimeMs: number;
  heartbeatMs: number;
}

export interface SnapshotBeginFrame {
  t: 'snapshot-begin';
  offset: number;
  timeMs: number;
  keyCount: number;
}

export interface SnapshotChunkFrame {
  t: 'snapshot-chunk';
  entries: SnapshotEntry[];
}

export interface SnapshotEndFrame {
  t: 'snapshot-end';
  offset: number;
  keyCount: number;
}

export interface EntriesFrame {
  t: 'entries';
  entries: LogEntry[];
}

export interface HeartbeatFrame {
  t: 'heartbeat';
  primaryOffset: number;
  primaryTimeMs: number;
}

export interface AckFrame {
  t: 'ack';
  appliedOffset: number;
}

export interface ErrorFrame {
  t: 'error';
  code: ReplicationErrorCode;
  message: string;
}

export type Frame =
  | HelloFrame
  | WelcomeFrame
  | SnapshotBeginFrame
  | SnapshotChunkFrame
  | SnapshotEndFrame
  | EntriesFrame
  | HeartbeatFrame
  | AckFrame
  | ErrorFrame;

const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false });

export function encodeFrame(frame: Frame): Uint8Array {
  if (frame.t === 'entries' || frame.t === 'ack' || frame.t === 'heartbeat') {
    return encodeBinary(frame);
  }
  const body = packr.pack(frame);
  const out = new Uint8Array(body.length + 4);
  out.set(body, 0);
  new DataView(out.buffer, out.byteOffset, out.byteLength).setUint32(body.length, crc32(body), false);
  return out;
}

/** The length of a frame's body once its checksum is verified; throws CORRUPT_FRAME otherwise. */
export function checkedBodyLength(bytes: Uint8Array): number {
  if (bytes.length < 5) throw corrupt(`frame of ${bytes.length} bytes is too short`);
  const bodyLength = bytes.length - 4;
  // Read byte by byte: no DataView per frame.
  const expected =
    (((bytes[bodyLength] as number) << 24) |
      ((bytes[bodyLength + 1] as number) << 16) |
      ((bytes[bodyLength + 2] as number) << 8) |
      (bytes[bodyLength + 3] as number)) >>>
    0;
  if (crc32(bytes, 0, bodyLength) !== expected) throw corrupt('checksum mismatch');
  return bodyLength;
}

/** Decodes and validates a frame; throws ReplicationError CORRUPT_FRAME on anything malformed. */
export function decodeFrame(bytes: Uint8Array): Frame {
  const bodyLength = checkedBodyLength(bytes);
  const tag = bytes[0];
  if (tag === TAG_ENTRIES || tag === TAG_ACK || tag === TAG_HEARTBEAT) return decodeBinary(bytes, bodyLength);
  let value: unknown;
  try {
    value = packr.unpack(bytes.subarray(0, bodyLength));
  } catch (error) {
    throw corrupt(`undecodable msgpack (${(error as Error).message})`);
  }
  return validateFrame(value);
}

function corrupt(message: string): ReplicationError {
  return new ReplicationError('CORRUPT_FRAME', message);
}

type Plain = Record<string, unknown>;

function isPlain(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function offsetField(frame: Plain, key: string): number {
  const value = frame[key];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw corrupt(`${key} is not an offset`);
  return value;
}

function timeField(frame: Plain, key: string): number {
  const value = frame[key];
  if (typeof value !== 'number' || !Number.isFinite(value)) throw corrupt(`${key} is not a time`);
  return value;
}

function stringField(frame: Plain, key: string): string {
  const value = frame[key];
  if (typeof value !== 'string') throw corrupt(`${key} is not a string`);
  return value;
}

function byteStrings(value: unknown, what: string): string[] {
  if (!Array.isArray(value)) throw corrupt(`${what} is not a list`);
  for (const item of value) if (typeof item !== 'string') throw corrupt(`${what} holds a non-string`);
  return value as string[];
}

/** Checks an entry in place (no copy: entries batches are the hot path). */
function logEntry(value: unknown): LogEntry {
  if (!isPlain(value)) throw corrupt('entry is not a map');
  offsetField(value, 'offset');
  timeField(value, 'timeMs');
  const effects = value['effects'];
  if (!Array.isArray(effects)) throw corrupt('entry effects is not a list');
  for (const command of effects) byteStrings(command, 'effect');
  return value as unknown as LogEntry;
}

const TYPE_NAMES: ReadonlySet<string> = new Set<TypeName>([
  'string',
  'hash',
  'list',
  'set',
  'zset',
  'stream',
  'ReJSON-RL',
]);

function snapshotEntry(value: unknown): SnapshotEntry {
  if (!Array.isArray(value) || value.length !== 4) throw corrupt('snapshot entry is not a 4-tuple');
  const [key, type, data, expiresAtMs] = value as unknown[];
  if (typeof key !== 'string' || typeof type !== 'string' || !TYPE_NAMES.has(type)) throw corrupt('bad snapshot key');
  if (typeof expiresAtMs !== 'number' || !Number.isFinite(expiresAtMs)) throw corrupt('bad snapshot expiry');
  return [key, type as TypeName, data, expiresAtMs];
}

function list<T>(value: unknown, what: string, item: (value: unknown) => T): T[] {
  if (!Array.isArray(value)) throw corrupt(`${what} is not a list`);
  return value.map(item);
}

function entryList(value: unknown): LogEntry[] {
  if (!Array.isArray(value)) throw corrupt('entries is not a list');
  for (const entry of value) logEntry(entry);
  return value as LogEntry[];
}

function crcField(f: Record<string, unknown>, name: string): number {
  const value = f[name];
  if (value === -1) return -1;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffffffff)
    throw corrupt(`${name} is not a CRC-32 or -1`);
  return value;
}

/**
 * The checksum that identifies a log entry across nodes: CRC-32 of its entries-frame encoding
 * (offset, time and effects). Two logs with the same checksum at an offset hold the same entry there.
 */
export function entryChecksum(entry: LogEntry): number {
  return crc32(encodeFrame({ t: 'entries', entries: [entry] }));
}

function validateFrame(value: unknown): Frame {
  if (!isPlain(value)) throw corrupt('frame is not a map');
  const f = value;
  switch (f['t']) {
    case 'hello':
      return {
        t: 'hello',
        version: offsetField(f, 'version'),
        replicaId: stringField(f, 'replicaId'),
        region: stringField(f, 'region'),
        lastAppliedOffset: offsetField(f, 'lastAppliedOffset'),
        lastEntryCrc: crcField(f, 'lastEntryCrc'),
        replicationId: stringField(f, 'replicationId'),
        secret: stringField(f, 'secret'),
      };
    case 'welcome': {
      const mode = f['mode'];
      if (mode !== 'partial' && mode !== 'full') throw corrupt('welcome mode is not partial or full');
      return {
        t: 'welcome',
        mode,
        replicationId: stringField(f, 'replicationId'),
        offset: offsetField(f, 'offset'),
        primaryOffset: offsetField(f, 'primaryOffset'),
        primaryTimeMs: timeField(f, 'primaryTimeMs'),
        heartbeatMs: timeField(f, 'heartbeatMs'),
      };
    }
    case 'snapshot-begin':
      return {
        t: 'snapshot-begin',
        offset: offsetField(f, 'offset'),
        timeMs: timeField(f, 'timeMs'),
        keyCount: offsetField(f, 'keyCount'),
      };
    case 'snapshot-chunk':
      return { t: 'snapshot-chunk', entries: list(f['entries'], 'snapshot entries', snapshotEntry) };
    case 'snapshot-end':
      return { t: 'snapshot-end', offset: offsetField(f, 'offset'), keyCount: offsetField(f, 'keyCount') };
    case 'entries':
      return { t: 'entries', entries: entryList(f['entries']) };
    case 'heartbeat':
      return {
        t: 'heartbeat',
        primaryOffset: offsetField(f, 'primaryOffset'),
        primaryTimeMs: timeField(f, 'primaryTimeMs'),
      };
    case 'ack':
      return { t: 'ack', appliedOffset: offsetField(f, 'appliedOffset') };
    case 'error': {
      const code = f['code'];
      if (!isReplicationErrorCode(code)) throw corrupt('unknown error code');
      return { t: 'error', code, message: stringField(f, 'message') };
    }
    default:
      throw corrupt(`unknown frame type ${JSON.stringify(f['t'])}`);
  }
}
