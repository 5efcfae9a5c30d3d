import type { ByteString } from './bytes.js';
import type { HashValue } from './types/hash.js';
import type { JsonValue } from './types/json.js';
import type { ListValue } from './types/list.js';
import type { SetValue } from './types/set.js';
import type { StreamValue } from './types/stream.js';
import type { ZSetValue } from './types/zset.js';

/** What a key holds. A string value is the ByteString itself. */
export type Value = ByteString | HashValue | ListValue | SetValue | ZSetValue | StreamValue | JsonValue;
export type TypeName = 'string' | 'hash' | 'list' | 'set' | 'zset' | 'stream' | 'ReJSON-RL';

export function typeOf(value: Value): TypeName {
  return typeof value === 'string' ? 'string' : value.type;
}
