import { HashValue } from '../../types/hash.js';
import { ListValue } from '../../types/list.js';
import { SetValue } from '../../types/set.js';
import { StreamValue } from '../../types/stream.js';
import { ZSetValue } from '../../types/zset.js';
import type { Value } from '../../value.js';

/** A deep copy of plain data (arrays, plain objects, Maps, Sets, primitives). */
function copyPlain(data: unknown): unknown {
  if (Array.isArray(data)) return data.map(copyPlain);
  if (data instanceof Map) return new Map([...data].map(([k, v]) => [copyPlain(k), copyPlain(v)]));
  if (data instanceof Set) return new Set([...data].map(copyPlain));
  if (typeof data === 'object' && data !== null) {
    const copy: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(data)) copy[name] = copyPlain(value);
    return copy;
  }
  return data;
}

/**
 * A deep copy of a value, sharing nothing mutable with the original (COPY). Goes through each
 * type's snapshot form (dump/load), so it keeps working when a family changes its internals; a
 * hash keeps its field TTLs.
 */
export function cloneValue(value: Value): Value {
  if (typeof value === 'string') return value;
  switch (value.type) {
    case 'hash':
      return HashValue.load(value.dump());
    case 'list':
      return ListValue.load(value.dump());
    case 'set':
      return SetValue.load(value.dump());
    case 'zset':
      return ZSetValue.load(value.dump());
    case 'ReJSON-RL':
      return value.clone();
    case 'stream':
      // A stream's dump may hold nested arrays or objects that load could adopt as they are.
      return StreamValue.load(copyPlain(value.dump()));
  }
}
