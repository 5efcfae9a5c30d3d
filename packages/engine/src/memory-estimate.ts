import type { ByteString } from './bytes.js';
import type { Value } from './value.js';

/**
 * The incremental memory estimate kept per key (INFO's used_memory, the maxmemory limit): fixed
 * overheads per key and per element plus the bytes themselves. Containers are measured from a
 * few elements spread over them and extrapolated, so measuring a key costs O(SAMPLES) whatever its
 * size — it is redone after every write to the key.
 */
const KEY_OVERHEAD_BYTES = 40;
const OBJECT_OVERHEAD_BYTES = 16;
const CONTAINER_OVERHEAD_BYTES = 64;
const ELEMENT_OVERHEAD_BYTES = { hash: 32, list: 12, set: 24, zset: 48, stream: 40 } as const;
const SAMPLES = 5;

function extrapolate(measured: number, count: number, size: number, perElement: number): number {
  const average = count === 0 ? 0 : measured / count;
  return CONTAINER_OVERHEAD_BYTES + Math.round(size * (average + perElement));
}

function sampledDictBytes(
  size: number,
  sample: (count: number, visit: (key: ByteString, value: unknown) => void) => void,
  perElement: number,
): number {
  let measured = 0;
  let count = 0;
  sample(SAMPLES, (key, value) => {
    measured += key.length + (typeof value === 'string' ? value.length : 0);
    count++;
  });
  return extrapolate(measured, count, size, perElement);
}

/** Estimated bytes of one value (O(SAMPLES)). */
export function estimateValueBytes(value: Value): number {
  if (typeof value === 'string') return OBJECT_OVERHEAD_BYTES + value.length;
  switch (value.type) {
    case 'hash': {
      // A packed hash knows its bytes exactly, and cutting samples out of it would allocate.
      const packedBytes = value.packedBytes;
      const fields =
        packedBytes === undefined
          ? sampledDictBytes(value.size, (n, visit) => value.fields.sample(n, visit), ELEMENT_OVERHEAD_BYTES.hash)
          : extrapolate(packedBytes, value.size, value.size, ELEMENT_OVERHEAD_BYTES.hash);
      return OBJECT_OVERHEAD_BYTES + value.fieldExpiresAtMs.size * 16 + fields;
    }
    case 'set':
      return (
        OBJECT_OVERHEAD_BYTES +
        sampledDictBytes(value.size, (n, visit) => value.members.sample(n, visit), ELEMENT_OVERHEAD_BYTES.set)
      );
    case 'zset': {
      const packedBytes = value.packedMemberBytes;
      const members =
        packedBytes === undefined
          ? sampledDictBytes(value.size, (n, visit) => value.sample(n, visit), ELEMENT_OVERHEAD_BYTES.zset)
          : extrapolate(packedBytes, value.size, value.size, ELEMENT_OVERHEAD_BYTES.zset);
      return OBJECT_OVERHEAD_BYTES + members;
    }
    case 'list': {
      const length = value.length;
      let measured = 0;
      let count = 0;
      const stride = Math.max(1, Math.floor(length / SAMPLES));
      for (let i = 0; i < length && count < SAMPLES; i += stride, count++) measured += (value.at(i) ?? '').length;
      return OBJECT_OVERHEAD_BYTES + extrapolate(measured, count, length, ELEMENT_OVERHEAD_BYTES.list);
    }
    case 'ReJSON-RL':
      return OBJECT_OVERHEAD_BYTES + value.dump().length * 2;
    case 'stream': {
      const samples = value.sampleFields(SAMPLES);
      let measured = 0;
      for (const fields of samples) for (const field of fields) measured += field.length + 8;
      return OBJECT_OVERHEAD_BYTES + extrapolate(measured, samples.length, value.length, ELEMENT_OVERHEAD_BYTES.stream);
    }
  }
}

/** Estimated bytes of a key and its value. */
export function estimateKeyBytes(key: ByteString, value: Value): number {
  return KEY_OVERHEAD_BYTES + key.length + estimateValueBytes(value);
}
