import { Buffer } from 'node:buffer';
import type { LogEntry } from '@meridian/store';
import { crc32 } from './crc32.js';
import { ReplicationError } from './errors.js';

/**
 * The hot frames (entries, ack, heartbeat) in a fixed binary layout instead of msgpack: they are
 * most of the traffic, and byte strings travel as their bytes (msgpack would UTF-8-encode them).
 * Big-endian; a frame body starts with its tag byte, which a msgpack map never does (0x80–0x8f,
 * 0xde, 0xdf). Offsets and times are float64 (exact for safe integers and sub-ms times).
 *
 *   entries:   0x01 u32 count, then per entry: f64 offset, f64 timeMs, u32 effect count, then per
 *              effect: u32 argument count, then per argument: u32 length, bytes
 *   ack:       0x02 f64 appliedOffset
 *   heartbeat: 0x03 f64 primaryOffset, f64 primaryTimeMs
 */
export const TAG_ENTRIES = 0x01;
export const TAG_ACK = 0x02;
export const TAG_HEARTBEAT = 0x03;

export type BinaryFrame =
  | { t: 'entries'; entries: LogEntry[] }
  | { t: 'ack'; appliedOffset: number }
  | { t: 'heartbeat'; primaryOffset: number; primaryTimeMs: number };

/**
 * A body of `length` bytes with 4 spare bytes at the end for the checksum. Every byte gets
 * written; small frames come from Node's shared pool (much cheaper than a typed array of their own).
 */
function allocate(length: number): Buffer {
  return Buffer.allocUnsafe(length + 4);
}

/** Writes the big-endian CRC-32 of the body (`length` bytes) after it; returns the whole frame. */
function sealed(bytes: Buffer, length: number): Buffer {
  bytes.writeUInt32BE(crc32(bytes, 0, length), length);
  return bytes;
}

/**
 * Encodes a frame: the body and its checksum. Acks and heartbeats (one per apply turn, per
 * heartbeat) are written through the Buffer itself: no DataView or result object per frame.
 */
export function encodeBinary(frame: BinaryFrame): Uint8Array {
  if (frame.t === 'ack') {
    const bytes = allocate(9);
    bytes[0] = TAG_ACK;
    bytes.writeDoubleBE(frame.appliedOffset, 1);
    return sealed(bytes, 9);
  }
  if (frame.t === 'heartbeat') {
    const bytes = allocate(17);
    bytes[0] = TAG_HEARTBEAT;
    bytes.writeDoubleBE(frame.primaryOffset, 1);
    bytes.writeDoubleBE(frame.primaryTimeMs, 9);
    return sealed(bytes, 17);
  }
  return encodeEntries(frame.entries);
}

function entriesLength(entries: readonly LogEntry[]): number {
  let length = 5;
  for (const entry of entries) {
    length += 20;
    for (const command of entry.effects) {
      length += 4;
      for (const argument of command) length += 4 + argument.length;
    }
  }
  return length;
}

function encodeEntries(entries: readonly LogEntry[]): Uint8Array {
  const length = entriesLength(entries);
  const bytes = allocate(length);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  bytes[0] = TAG_ENTRIES;
  view.setUint32(1, entries.length);
  let at = 5;
  for (const entry of entries) {
    view.setFloat64(at, entry.offset);
    view.setFloat64(at + 8, entry.timeMs);
    view.setUint32(at + 16, entry.effects.length);
    at += 20;
    for (const command of entry.effects) {
      view.setUint32(at, command.length);
      at += 4;
      for (const argument of command) {
        const n = argument.length;
        view.setUint32(at, n);
        at += 4;
        // Byte strings: every code unit is a byte (0..255).
        for (let i = 0; i < n; i++) bytes[at + i] = argument.charCodeAt(i);
        at += n;
      }
    }
  }
  return sealed(bytes, length);
}

function corrupt(message: string): ReplicationError {
  return new ReplicationError('CORRUPT_FRAME', message);
}

function offsetAt(view: DataView, at: number, what: string): number {
  const value = view.getFloat64(at);
  if (!Number.isSafeInteger(value) || value < 0) throw corrupt(`${what} is not an offset`);
  return value;
}

function timeAt(view: DataView, at: number, what: string): number {
  const value = view.getFloat64(at);
  if (!Number.isFinite(value)) throw corrupt(`${what} is not a time`);
  return value;
}

/** Decodes a binary body (checksum already verified); throws CORRUPT_FRAME on anything malformed. */
export function decodeBinary(bytes: Uint8Array, length: number): BinaryFrame {
  const view = new DataView(bytes.buffer, bytes.byteOffset, length);
  const tag = bytes[0];
  if (tag === TAG_ACK) {
    if (length !== 9) throw corrupt('ack frame has the wrong length');
    return { t: 'ack', appliedOffset: offsetAt(view, 1, 'appliedOffset') };
  }
  if (tag === TAG_HEARTBEAT) {
    if (length !== 17) throw corrupt('heartbeat frame has the wrong length');
    return {
      t: 'heartbeat',
      primaryOffset: offsetAt(view, 1, 'primaryOffset'),
      primaryTimeMs: timeAt(view, 9, 'primaryTimeMs'),
    };
  }
  try {
    return { t: 'entries', entries: decodeEntries(bytes, view, length) };
  } catch (error) {
    if (error instanceof RangeError) throw corrupt('entries frame is truncated');
    throw error;
  }
}

/** DataView reads past `length` throw RangeError, which the caller turns into CORRUPT_FRAME. */
function decodeEntries(bytes: Uint8Array, view: DataView, length: number): LogEntry[] {
  const count = view.getUint32(1);
  if (count * 20 > length) throw corrupt('entries count exceeds the frame');
  const entries: LogEntry[] = new Array<LogEntry>(count);
  // Node's latin1 maps each byte to one code unit (unlike TextDecoder's 'latin1', windows-1252).
  const text = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, length);
  let at = 5;
  // The previous effect's command name: a batch is mostly one command, and reusing its string
  // saves making one per effect (and lets the engine's name lookup reuse its hash).
  let name = '';
  for (let e = 0; e < count; e++) {
    const offset = offsetAt(view, at, 'offset');
    const timeMs = timeAt(view, at + 8, 'timeMs');
    const commandCount = view.getUint32(at + 16);
    at += 20;
    if (commandCount * 4 > length - at) throw corrupt('effect count exceeds the frame');
    const effects: string[][] = new Array<string[]>(commandCount);
    for (let c = 0; c < commandCount; c++) {
      const argc = view.getUint32(at);
      at += 4;
      if (argc * 4 > length - at) throw corrupt('argument count exceeds the frame');
      const command: string[] = new Array<string>(argc);
      for (let a = 0; a < argc; a++) {
        const n = view.getUint32(at);
        at += 4;
        if (n > length - at) throw corrupt('argument exceeds the frame');
        if (a === 0 && sameBytes(bytes, at, n, name)) command[a] = name;
        else command[a] = text.toString('latin1', at, at + n);
        if (a === 0) name = command[a] as string;
        at += n;
      }
      effects[c] = command;
    }
    entries[e] = { offset, timeMs, effects };
  }
  if (at !== length) throw corrupt('trailing bytes after the entries');
  return entries;
}

/** Whether bytes[at, at + n) are the code units of `text` (a byte string). */
function sameBytes(bytes: Uint8Array, at: number, n: number, text: string): boolean {
  if (n !== text.length) return false;
  for (let i = 0; i < n; i++) if (bytes[at + i] !== text.charCodeAt(i)) return false;
  return true;
}
