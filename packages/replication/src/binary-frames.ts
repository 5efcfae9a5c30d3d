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

/** The longest argument `encodeEntries` copies byte by byte in JavaScript. */
const LOOP_BYTES_MAX = 16;

function encodeEntries(entries: readonly LogEntry[]): Uint8Array {
  const length = entriesLength(entries);
  const bytes = allocate(length);
  // Written byte by byte (no DataView per frame; the primary encodes one per live batch).
  bytes[0] = TAG_ENTRIES;
  setUint32At(bytes, 1, entries.length);
  let at = 5;
  for (const entry of entries) {
    setFloat64At(bytes, at, entry.offset);
    setFloat64At(bytes, at + 8, entry.timeMs);
    setUint32At(bytes, at + 16, entry.effects.length);
    at += 20;
    for (const command of entry.effects) {
      setUint32At(bytes, at, command.length);
      at += 4;
      for (const argument of command) {
        const n = argument.length;
        setUint32At(bytes, at, n);
        at += 4;
        // Byte strings: every code unit is a byte (0..255). Short ones (names, most keys) are
        // written here; from LOOP_BYTES_MAX on Node's latin1 copy is cheaper (a fixed ~50 ns
        // against ~2 ns per byte: a 136-byte value took 290 ns), and it writes the same bytes.
        if (n <= LOOP_BYTES_MAX) for (let i = 0; i < n; i++) bytes[at + i] = argument.charCodeAt(i);
        else bytes.write(argument, at, n, 'latin1');
        at += n;
      }
    }
  }
  return sealed(bytes, length);
}

function corrupt(message: string): ReplicationError {
  return new ReplicationError('CORRUPT_FRAME', message);
}

function offsetAt(bytes: Uint8Array, at: number, what: string): number {
  const value = float64At(bytes, at);
  if (!Number.isSafeInteger(value) || value < 0) throw corrupt(`${what} is not an offset`);
  return value;
}

function timeAt(bytes: Uint8Array, at: number, what: string): number {
  const value = float64At(bytes, at);
  if (!Number.isFinite(value)) throw corrupt(`${what} is not a time`);
  return value;
}

/** Decodes a binary body (checksum already verified); throws CORRUPT_FRAME on anything malformed. */
export function decodeBinary(bytes: Uint8Array, length: number): BinaryFrame {
  const tag = bytes[0];
  // Acks and heartbeats are read through the bytes (no DataView per frame: the primary reads an ack per replica turn).
  if (tag === TAG_ACK) {
    if (length !== 9) throw corrupt('ack frame has the wrong length');
    return { t: 'ack', appliedOffset: offsetAt(bytes, 1, 'appliedOffset') };
  }
  if (tag === TAG_HEARTBEAT) {
    if (length !== 17) throw corrupt('heartbeat frame has the wrong length');
    return {
      t: 'heartbeat',
      primaryOffset: offsetAt(bytes, 1, 'primaryOffset'),
      primaryTimeMs: timeAt(bytes, 9, 'primaryTimeMs'),
    };
  }
  return { t: 'entries', entries: decodeEntries(bytes, length) };
}

/**
 * The number of entries an entries frame says it carries (its header; nothing is checked), 0 for
 * any other frame: for a reader that needs only the count of a frame it does not decode.
 */
export function entriesInFrame(bytes: Uint8Array): number {
  return bytes.length >= 9 && bytes[0] === TAG_ENTRIES ? uint32At(bytes, 1) : 0;
}

function decodeEntries(bytes: Uint8Array, length: number): LogEntry[] {
  // Node's latin1 maps each byte to one code unit (unlike TextDecoder's 'latin1', windows-1252).
  const text = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, length);
  const reader = new EntriesReader();
  const count = reader.scan(text, length);
  const entries: LogEntry[] = new Array<LogEntry>(count);
  let at = ENTRIES_FIRST_AT;
  for (let e = 0; e < count; e++) {
    const entry = { offset: 0, timeMs: 0, effects: [] as string[][] };
    at = reader.read(text, at, entry);
    entries[e] = entry;
  }
  return entries;
}

const FLOAT64 = new Float64Array(1);
const FLOAT64_BYTES = new Uint8Array(FLOAT64.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * The big-endian float64 at `at` (in bounds). Small enough to be inlined where Buffer's
 * readDoubleBE was not: a replica reads two per entry, and each uninlined call boxed its result.
 */
function float64At(bytes: Uint8Array, at: number): number {
  if (LITTLE_ENDIAN) for (let i = 0; i < 8; i++) FLOAT64_BYTES[i] = bytes[at + 7 - i] as number;
  else for (let i = 0; i < 8; i++) FLOAT64_BYTES[i] = bytes[at + i] as number;
  return FLOAT64[0] as number;
}

/** Writes `value` as a big-endian float64 at `at` (in bounds). */
function setFloat64At(bytes: Uint8Array, at: number, value: number): void {
  FLOAT64[0] = value;
  if (LITTLE_ENDIAN) for (let i = 0; i < 8; i++) bytes[at + i] = FLOAT64_BYTES[7 - i] as number;
  else for (let i = 0; i < 8; i++) bytes[at + i] = FLOAT64_BYTES[i] as number;
}

/** The big-endian uint32 at `at` (in bounds): inlined where Buffer's readUInt32BE checks its argument. */
function uint32At(bytes: Uint8Array, at: number): number {
  return (
    (bytes[at] as number) * 0x1000000 +
    (((bytes[at + 1] as number) << 16) | ((bytes[at + 2] as number) << 8) | (bytes[at + 3] as number))
  );
}

const fromCharCode = String.fromCharCode;

/**
 * The byte string of bytes[at, at + n). Up to 12 bytes (most keys, field names and numbers) it is
 * made in JavaScript from the byte values, about three times faster than Buffer's toString, a
 * native call; longer ones are copied natively. Either way it is one flat string.
 */
function byteString(bytes: Buffer, at: number, n: number): string {
  const b = bytes;
  switch (n) {
    case 0:
      return '';
    case 1:
      return fromCharCode(b[at] as number);
    case 2:
      return fromCharCode(b[at] as number, b[at + 1] as number);
    case 3:
      return fromCharCode(b[at] as number, b[at + 1] as number, b[at + 2] as number);
    case 4:
      return fromCharCode(b[at] as number, b[at + 1] as number, b[at + 2] as number, b[at + 3] as number);
    default:
      return n <= 12 ? byteStringUpTo12(b, at, n) : bytes.toString('latin1', at, at + n);
  }
}

function byteStringUpTo12(b: Buffer, at: number, n: number): string {
  const c0 = b[at] as number;
  const c1 = b[at + 1] as number;
  const c2 = b[at + 2] as number;
  const c3 = b[at + 3] as number;
  const c4 = b[at + 4] as number;
  switch (n) {
    case 5:
      return fromCharCode(c0, c1, c2, c3, c4);
    case 6:
      return fromCharCode(c0, c1, c2, c3, c4, b[at + 5] as number);
    case 7:
      return fromCharCode(c0, c1, c2, c3, c4, b[at + 5] as number, b[at + 6] as number);
    case 8:
      return fromCharCode(c0, c1, c2, c3, c4, b[at + 5] as number, b[at + 6] as number, b[at + 7] as number);
    default: {
      const c5 = b[at + 5] as number;
      const c6 = b[at + 6] as number;
      const c7 = b[at + 7] as number;
      const c8 = b[at + 8] as number;
      if (n === 9) return fromCharCode(c0, c1, c2, c3, c4, c5, c6, c7, c8);
      if (n === 10) return fromCharCode(c0, c1, c2, c3, c4, c5, c6, c7, c8, b[at + 9] as number);
      const c9 = b[at + 9] as number;
      const c10 = b[at + 10] as number;
      if (n === 11) return fromCharCode(c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10);
      return fromCharCode(c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, b[at + 11] as number);
    }
  }
}

/** Writes `value` (0 ≤ value < 2^32) as a big-endian uint32 at `at` (in bounds). */
function setUint32At(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value >>> 24;
  bytes[at + 1] = (value >>> 16) & 0xff;
  bytes[at + 2] = (value >>> 8) & 0xff;
  bytes[at + 3] = value & 0xff;
}

/** Where the first entry of an entries frame starts (after the tag and the count). */
export const ENTRIES_FIRST_AT = 5;

/** An entry that `EntriesReader.read` fills in; its arrays are reused when it is read into again. */
export interface EntrySlot {
  offset: number;
  timeMs: number;
  effects: string[][];
}

/**
 * Reads an entries frame in place. `scan` checks the whole layout first (what the decoder refuses
 * it refuses, with the same errors) and builds nothing; `read` then takes one entry at a time into
 * a slot the caller may reuse, so a replica makes only the argument strings per entry (no entry
 * object, effects or argument arrays).
 */
export class EntriesReader {
  /** The offset of the first entry `scan` saw (0 when none). */
  firstOffset = 0;
  /** Index of the first entry whose offset is not its predecessor's + 1 (-1: none). */
  sequenceBreak = -1;
  /** That entry's offset. */
  sequenceBreakOffset = 0;
  /** The previous effect's command name: a batch is mostly one command, and reusing its string
   * saves making one per effect (and lets the engine's name lookup reuse its hash). */
  private name = '';

  /** Checks an entries body of `length` bytes (checksum verified); returns its entry count. */
  scan(bytes: Buffer, length: number): number {
    if (length < ENTRIES_FIRST_AT) throw corrupt('entries frame is truncated');
    const count = uint32At(bytes, 1);
    if (count * 20 > length) throw corrupt('entries count exceeds the frame');
    this.firstOffset = 0;
    this.sequenceBreak = -1;
    let at = ENTRIES_FIRST_AT;
    for (let e = 0; e < count; e++) {
      if (at + 20 > length) throw corrupt('entries frame is truncated');
      const offset = float64At(bytes, at);
      if (!Number.isSafeInteger(offset) || offset < 0) throw corrupt('offset is not an offset');
      if (!Number.isFinite(float64At(bytes, at + 8))) throw corrupt('timeMs is not a time');
      if (e === 0) this.firstOffset = offset;
      else if (this.sequenceBreak < 0 && offset !== this.firstOffset + e) {
        this.sequenceBreak = e;
        this.sequenceBreakOffset = offset;
      }
      const commandCount = uint32At(bytes, at + 16);
      at += 20;
      if (commandCount * 4 > length - at) throw corrupt('effect count exceeds the frame');
      for (let c = 0; c < commandCount; c++) {
        if (at + 4 > length) throw corrupt('entries frame is truncated');
        const argc = uint32At(bytes, at);
        at += 4;
        if (argc * 4 > length - at) throw corrupt('argument count exceeds the frame');
        for (let a = 0; a < argc; a++) {
          if (at + 4 > length) throw corrupt('entries frame is truncated');
          const n = uint32At(bytes, at);
          at += 4;
          if (n > length - at) throw corrupt('argument exceeds the frame');
          at += n;
        }
      }
    }
    if (at !== length) throw corrupt('trailing bytes after the entries');
    return count;
  }

  /** Reads the entry at `at` of a scanned frame into `slot`; returns where the next one starts. */
  read(bytes: Buffer, at: number, slot: EntrySlot): number {
    slot.offset = float64At(bytes, at);
    slot.timeMs = float64At(bytes, at + 8);
    const commandCount = uint32At(bytes, at + 16);
    at += 20;
    const effects = slot.effects;
    // A fresh slot's array grows as its commands are stored (setting the length of an empty array is slow).
    if (effects.length > commandCount) effects.length = commandCount;
    for (let c = 0; c < commandCount; c++) {
      const argc = uint32At(bytes, at);
      at += 4;
      let command = effects[c];
      if (command === undefined) {
        command = new Array<string>(argc);
        effects[c] = command;
      } else if (command.length !== argc) {
        command.length = argc;
      }
      for (let a = 0; a < argc; a++) {
        const n = uint32At(bytes, at);
        at += 4;
        if (a === 0) {
          if (!sameBytes(bytes, at, n, this.name)) this.name = byteString(bytes, at, n);
          command[a] = this.name;
        } else {
          command[a] = byteString(bytes, at, n);
        }
        at += n;
      }
    }
    return at;
  }
}

/** Whether bytes[at, at + n) are the code units of `text` (a byte string). */
function sameBytes(bytes: Uint8Array, at: number, n: number, text: string): boolean {
  if (n !== text.length) return false;
  for (let i = 0; i < n; i++) if (bytes[at + i] !== text.charCodeAt(i)) return false;
  return true;
}
