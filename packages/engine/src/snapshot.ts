import type { ByteString } from './bytes.js';
import type { Keyspace } from './keyspace.js';
import { HashValue } from './types/hash.js';
import { ListValue } from './types/list.js';
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

/** 53-bit string hash (cyrb53). */
function hash53(text: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
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
 * order keys were written in: equal digests mean equal keyspaces. For tests and invariant checks.
 */
export function digestKeyspace(db: Keyspace): string {
  const parts: string[] = [];
  for (const [key, type, data, expiresAtMs] of dumpKeyspace(db)) {
    // Scripts are not data: a replica may cache one its EVAL_RO ran, the primary never saw.
    if (type === 'scripts') continue;
    parts.push(JSON.stringify([key, type, canonical(type, data), expiresAtMs]));
  }
  parts.sort();
  const joined = parts.join('\n');
  return `${hash53(joined).toString(16)}${hash53(joined, 7).toString(16)}:${parts.length}`;
}
