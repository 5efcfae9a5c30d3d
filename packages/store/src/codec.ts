import { crc32 } from 'node:zlib';
import { Packr } from 'msgpackr';
import type { SnapshotEntry } from '@meridian/engine';
import type { EffectCommand } from './write-log.js';

/**
 * Byte strings (code units 0..255) are stored as msgpack `str` when they are ASCII and as `bin`
 * otherwise: a UTF-8 `str` would round-trip too, but would double the size of binary values.
 */
const packr = new Packr({ useRecords: false, moreTypes: false, mapsAsObjects: true });
const highByte = /[\u0080-\u00ff]/;

function toWire(text: string): string | Buffer {
  return highByte.test(text) ? Buffer.from(text, 'latin1') : text;
}

function fromWire(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array)
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('latin1');
  throw new TypeError(`unexpected ${typeof value} in a log entry`);
}

/** Nested arrays/objects of byte strings and numbers, with every high-byte string as a Buffer. */
function dataToWire(data: unknown): unknown {
  if (typeof data === 'string') return toWire(data);
  if (Array.isArray(data)) return data.map(dataToWire);
  if (data !== null && typeof data === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(data)) out[key] = dataToWire(value);
    return out;
  }
  return data;
}

function dataFromWire(data: unknown): unknown {
  if (data instanceof Uint8Array) return fromWire(data);
  if (Array.isArray(data)) return data.map(dataFromWire);
  if (data !== null && typeof data === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(data)) out[key] = dataFromWire(value);
    return out;
  }
  return data;
}

export function encodeEffects(effects: readonly EffectCommand[]): Buffer {
  return packr.pack(effects.map((command) => command.map(toWire)));
}

export function decodeEffects(payload: Uint8Array): EffectCommand[] {
  const decoded: unknown = packr.unpack(payload);
  if (!Array.isArray(decoded)) throw new TypeError('log entry payload is not an array');
  return decoded.map((command: unknown) => {
    if (!Array.isArray(command)) throw new TypeError('log entry command is not an array');
    return command.map(fromWire);
  });
}

export function encodeSnapshotChunk(entries: readonly SnapshotEntry[]): Buffer {
  return packr.pack(
    entries.map(([key, type, data, expiresAtMs]) => [toWire(key), type, dataToWire(data), expiresAtMs]),
  );
}

export function decodeSnapshotChunk(payload: Uint8Array): SnapshotEntry[] {
  const decoded: unknown = packr.unpack(payload);
  if (!Array.isArray(decoded)) throw new TypeError('snapshot chunk is not an array');
  return decoded.map((item: unknown): SnapshotEntry => {
    if (!Array.isArray(item) || item.length !== 4) throw new TypeError('snapshot entry is not a 4-tuple');
    const [key, type, data, expiresAtMs] = item as [unknown, SnapshotEntry[1], unknown, number];
    return [fromWire(key), type, dataFromWire(data), expiresAtMs];
  });
}

const header = Buffer.alloc(16);

/** CRC-32 over offset, time and payload, so a flipped offset or time is caught as well. */
export function entryChecksum(offset: number, timeMs: number, payload: Uint8Array): number {
  header.writeDoubleLE(offset, 0);
  header.writeDoubleLE(timeMs, 8);
  return crc32(payload, crc32(header));
}

/** CRC-32 of `payload`, continuing from `previous` to chain several buffers. */
export function chunkChecksum(payload: Uint8Array, previous = 0): number {
  return crc32(payload, previous);
}
