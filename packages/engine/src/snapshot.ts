import type { ByteString } from './bytes.js';
import type { Keyspace } from './keyspace.js';
import { HashValue } from './types/hash.js';
import { ListValue } from './types/list.js';
import { JsonValue } from './types/json.js';
import { SetValue } from './types/set.js';
import { StreamValue } from './types/stream.js';
import { ZSetValue } from './types/zset.js';
import { type TypeName, type Value, typeOf } from './value.js';

/**
 * One key in a snapshot: key, type, the type's plain data, absolute expiry in ms or -1. One entry of
 * type `scripts` (key '') carries the scripts and function libraries, when there are any.
 */
export type SnapshotEntry = [key: ByteString, type: TypeName | 'scripts', data: unknown, expiresAtMs: number];

interface ScriptsData {
  scripts: [sha: string, body: ByteString][];
  libraries: [
    name: string,
    code: ByteString,
    functions: [name: string, description: string | null, flags: string[]][],
  ][];
}

function dumpScripts(db: Keyspace): ScriptsData {
  return {
    scripts: [...db.scripts.scripts.entries()],
    libraries: [...db.scripts.libraries.values()].map((library) => [
      library.name,
      library.code,
      library.functions.map((fn) => [fn.name, fn.description, [...fn.flags]]),
    ]),
  };
}

function loadScripts(db: Keyspace, data: ScriptsData): void {
  db.scripts.scripts.clear();
  for (const [sha, body] of data.scripts) db.scripts.scripts.set(sha, body);
  db.scripts.flushFunctions();
  for (const [name, code, functions] of data.libraries) {
    db.scripts.addLibrary({
      name,
      code,
      functions: functions.map(([fnName, description, flags]) => ({ name: fnName, description, flags })),
    });
  }
}

function dumpValue(value: Value): unknown {
  return typeof value === 'string' ? value : value.dump();
}

function loadValue(type: TypeName, data: unknown): Value {
  switch (type) {
    case 'string':
      return data as ByteString;
    case 'hash':
      return HashValue.load(data as (ByteString | number)[]);
    case 'list':
      return ListValue.load(data as ByteString[]);
    case 'set':
      return SetValue.load(data as ByteString[]);
    case 'zset':
      return ZSetValue.load(data as (ByteString | number)[]);
    case 'stream':
      return StreamValue.load(data);
    case 'ReJSON-RL':
      return JsonValue.load(data as string);
  }
}

/** Every key as plain data, for a snapshot. The keyspace must not change while iterating. */
export function* dumpKeyspace(db: Keyspace): Generator<SnapshotEntry> {
  for (const [key, value] of db.data.entries()) {
    yield [key, typeOf(value), dumpValue(value), db.expiresAtMs.get(key) ?? -1];
  }
  if (db.scripts.scripts.size > 0 || db.scripts.libraries.size > 0) yield ['', 'scripts', dumpScripts(db), -1];
}

export function loadSnapshotEntry(db: Keyspace, entry: SnapshotEntry): void {
  const [key, type, data, expiresAtMs] = entry;
  if (type === 'scripts') {
    loadScripts(db, data as ScriptsData);
    return;
  }
  db.data.set(key, loadValue(type, data));
  if (expiresAtMs >= 0) db.expiresAtMs.set(key, expiresAtMs);
  else db.expiresAtMs.delete(key);
}

/** cyrb53 fed piece by piece, so no value is ever joined into one string to be hashed. */
class Hash53 {
  private h1: number;
  private h2: number;

  constructor(seed: number) {
    this.h1 = 0xdeadbeef ^ seed;
    this.h2 = 0x41c6ce57 ^ seed;
  }

  update(text: string): void {
    let h1 = this.h1;
    let h2 = this.h2;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 2654435761);
      h2 = Math.imul(h2 ^ c, 1597334677);
    }
    this.h1 = h1;
    this.h2 = h2;
  }

  hex(): string {
    let h1 = this.h1;
    let h2 = this.h2;
    h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
    h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
    return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(16).padStart(14, '0');
  }
}

/** Two independent cyrb53 streams (106 bits), fed the same pieces. */
class Digest {
  private readonly a = new Hash53(0);
  private readonly b = new Hash53(7);

  update(text: string): void {
    this.a.update(text);
    this.b.update(text);
  }

  /** A length-prefixed piece, so that no two different sequences of pieces feed the same text. */
  piece(tag: string, text: string): void {
    this.update(`${tag}${text.length}:`);
    this.update(text);
  }

  hex(): string {
    return this.a.hex() + this.b.hex();
  }
}

/** Feeds plain snapshot data (arrays, strings, numbers, null, objects) into `digest`, value by value. */
function feed(digest: Digest, data: unknown): void {
  if (typeof data === 'string') digest.piece('s', data);
  else if (typeof data === 'number' || typeof data === 'boolean' || typeof data === 'bigint') {
    digest.piece('n', String(data));
  } else if (data === null || data === undefined) digest.update('z');
  else if (Array.isArray(data)) {
    digest.update(`[${data.length}:`);
    for (const item of data) feed(digest, item);
    digest.update(']');
  } else {
    const record = data as Record<string, unknown>;
    const names = Object.keys(record).sort();
    digest.update(`{${names.length}:`);
    for (const name of names) {
      digest.piece('k', name);
      feed(digest, record[name]);
    }
    digest.update('}');
  }
}

/** Data in an order that does not depend on insertion history (sets and hashes sorted). */
function canonical(type: TypeName, data: unknown): unknown {
  if (type === 'set') return [...(data as ByteString[])].sort();
  if (type === 'hash') {
    const flat = data as (ByteString | number)[];
    const triples: (ByteString | number)[][] = [];
    for (let i = 0; i + 2 < flat.length; i += 3) triples.push(flat.slice(i, i + 3));
    return triples.sort((a, b) => ((a[0] as string) < (b[0] as string) ? -1 : 1));
  }
  return data;
}

/**
 * A digest of the whole keyspace (keys, types, values, expiry times) that does not depend on the
 * order keys were written in: equal digests mean equal keyspaces. Each key is hashed on its own,
 * piece by piece, and only the per-key hashes (a few bytes each) are sorted and combined, so no
 * value, however large, is ever copied into one string. For tests, invariant checks and
 * `/_meridian/digest`.
 */
export function digestKeyspace(db: Keyspace): string {
  const perKey: string[] = [];
  for (const [key, type, data, expiresAtMs] of dumpKeyspace(db)) {
    // Scripts are not data: a replica may cache one its EVAL_RO ran, the primary never saw.
    if (type === 'scripts') continue;
    const digest = new Digest();
    digest.piece('k', key);
    digest.piece('t', type);
    feed(digest, canonical(type, data));
    digest.piece('e', String(expiresAtMs));
    perKey.push(digest.hex());
  }
  perKey.sort();
  const whole = new Digest();
  for (const hex of perKey) whole.update(hex);
  return `${whole.hex()}:${perKey.length}`;
}
