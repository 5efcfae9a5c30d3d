import type { ByteString } from '../../bytes.js';
import type { Keyspace } from '../../keyspace.js';
import type { Value } from '../../value.js';

/**
 * Approximate memory use in bytes, shaped like Redis's objectComputeSize: fixed overheads per key
 * and per element plus the bytes themselves. Large containers are sampled: `samples` elements are
 * measured and the average extrapolated (0 measures all), so the cost stays bounded.
 */
const KEY_OVERHEAD_BYTES = 40;
const OBJECT_OVERHEAD_BYTES = 16;
const CONTAINER_OVERHEAD_BYTES = 64;
const ELEMENT_OVERHEAD_BYTES = { hash: 32, list: 12, set: 24, zset: 48 } as const;
const KEYS_SAMPLED_MAX = 10_000;

function sampledBytes(items: Iterable<number>, size: number, samples: number): number {
  let measured = 0;
  let count = 0;
  for (const bytes of items) {
    measured += bytes;
    count++;
    if (samples > 0 && count >= samples) break;
  }
  return count === 0 ? 0 : Math.round((measured / count) * size);
}

function* mapped<T>(source: Iterable<T>, measure: (item: T) => number): Generator<number> {
  for (const item of source) yield measure(item);
}

/** Rough bytes of plain snapshot data (streams, whose layout this family does not know). */
function plainBytes(data: unknown): number {
  if (typeof data === 'string') return data.length + 8;
  if (Array.isArray(data)) return data.reduce((sum: number, item) => sum + plainBytes(item), 16);
  if (typeof data === 'object' && data !== null) return plainBytes(Object.entries(data));
  return 8;
}

export function valueBytes(value: Value, samples: number): number {
  if (typeof value === 'string') return OBJECT_OVERHEAD_BYTES + value.length;
  const base = OBJECT_OVERHEAD_BYTES + CONTAINER_OVERHEAD_BYTES;
  switch (value.type) {
    case 'hash': {
      const perField = ([field, item]: [ByteString, ByteString]): number => field.length + item.length;
      const ttlBytes = value.fieldExpiresAtMs.size * 16;
      const fields = sampledBytes(mapped(value.fields.entries(), perField), value.size, samples);
      return base + ttlBytes + fields + value.size * ELEMENT_OVERHEAD_BYTES.hash;
    }
    case 'list': {
      const items = sampledBytes(
        mapped(value.toArray(), (item) => item.length),
        value.length,
        samples,
      );
      return base + items + value.length * ELEMENT_OVERHEAD_BYTES.list;
    }
    case 'set': {
      const members = sampledBytes(
        mapped(value.members.keysIterator(), (m) => m.length),
        value.size,
        samples,
      );
      return base + members + value.size * ELEMENT_OVERHEAD_BYTES.set;
    }
    case 'zset': {
      const members = sampledBytes(
        mapped(value.members(), (m) => m.length),
        value.size,
        samples,
      );
      return base + members + value.size * ELEMENT_OVERHEAD_BYTES.zset;
    }
    case 'stream':
      return base + plainBytes(value.dump());
    case 'ReJSON-RL':
      return base + value.dump().length;
  }
}

/** MEMORY USAGE of one key: the key's own bytes and overhead plus its value. */
export function keyBytes(key: ByteString, value: Value, samples: number): number {
  return KEY_OVERHEAD_BYTES + key.length + valueBytes(value, samples);
}

/** Approximate bytes of the whole dataset; past KEYS_SAMPLED_MAX keys, extrapolated from a sample. */
export function datasetBytes(db: Keyspace): number {
  const size = db.data.size;
  if (size === 0) return 0;
  let measured = 0;
  let count = 0;
  let cursor = 0;
  do {
    cursor = db.data.scan(cursor, KEYS_SAMPLED_MAX - count, (key, value) => {
      measured += keyBytes(key, value, 5) + (db.expiresAtMs.has(key) ? 16 : 0);
      count++;
    });
  } while (cursor !== 0 && count < KEYS_SAMPLED_MAX);
  return count === 0 ? 0 : Math.round((measured / count) * size);
}

/** Redis's bytesToHuman: 512B, 1.50K, 2.00M… */
export function bytesToHuman(bytes: number): string {
  const units = ['K', 'M', 'G', 'T', 'P'];
  if (bytes < 1024) return `${bytes}B`;
  let scaled = bytes / 1024;
  for (const unit of units) {
    if (scaled < 1024 || unit === 'P') return `${scaled.toFixed(2)}${unit}`;
    scaled /= 1024;
  }
  return `${bytes}B`;
}
