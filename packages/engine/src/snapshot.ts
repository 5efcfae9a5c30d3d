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

/**
 * Two independent cyrb53 streams (seeds 0 and 7: 106 bits), fed piece by piece and in one pass over
 * each piece's characters, so no value is ever joined into one string to be hashed.
 */
class Digest {
  private a1 = 0xdeadbeef ^ 0;
  private a2 = 0x41c6ce57 ^ 0;
  private b1 = 0xdeadbeef ^ 7;
  private b2 = 0x41c6ce57 ^ 7;

  /** Back to the empty digest (one object hashes key after key). */
  reset(): this {
    this.a1 = 0xdeadbeef ^ 0;
    this.a2 = 0x41c6ce57 ^ 0;
    this.b1 = 0xdeadbeef ^ 7;
    this.b2 = 0x41c6ce57 ^ 7;
    return this;
  }

  update(text: string): void {
    let a1 = this.a1;
    let a2 = this.a2;
    let b1 = this.b1;
    let b2 = this.b2;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      a1 = Math.imul(a1 ^ c, 2654435761);
      a2 = Math.imul(a2 ^ c, 1597334677);
      b1 = Math.imul(b1 ^ c, 2654435761);
      b2 = Math.imul(b2 ^ c, 1597334677);
    }
    this.a1 = a1;
    this.a2 = a2;
    this.b1 = b1;
    this.b2 = b2;
  }

  /** One character (a code unit). */
  private updateCode(c: number): void {
    this.a1 = Math.imul(this.a1 ^ c, 2654435761);
    this.a2 = Math.imul(this.a2 ^ c, 1597334677);
    this.b1 = Math.imul(this.b1 ^ c, 2654435761);
    this.b2 = Math.imul(this.b2 ^ c, 1597334677);
  }

  /**
   * A length-prefixed piece, so that no two different sequences of pieces feed the same text: the
   * characters of `${tag}${text.length}:${text}` (the prefix is fed without being built).
   */
  piece(tag: string, text: string): void {
    this.update(tag);
    this.updateDecimal(text.length);
    this.updateCode(0x3a);
    this.update(text);
  }

  /** The decimal digits of the whole number `n`, as String(n) would give them. */
  private updateDecimal(n: number): void {
    if (n >= 10) this.updateDecimal(Math.floor(n / 10));
    this.updateCode(0x30 + (n % 10));
  }

  hex(): string {
    return hexOf(this.a1, this.a2) + hexOf(this.b1, this.b2);
  }

  /**
   * The 106 bits as four words (for sums that do not depend on order), written into `into`: each
   * stream's high 21 and low 32 bits.
   */
  wordsInto(into: number[]): void {
    finish(this.a1, this.a2, into, 0);
    finish(this.b1, this.b2, into, 2);
  }
}

/** cyrb53's final mix of one stream: its 53-bit result as the high 21 and low 32 bits, at into[at] and into[at + 1]. */
function finish(h1: number, h2: number, into: number[], at: number): void {
  const m1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  const m2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(m1 ^ (m1 >>> 13), 3266489909);
  into[at] = 2097151 & m2;
  into[at + 1] = m1 >>> 0;
}

function hexOf(h1: number, h2: number): string {
  const words = [0, 0];
  finish(h1, h2, words, 0);
  return (4294967296 * (words[0] as number) + (words[1] as number)).toString(16).padStart(14, '0');
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
    perKey.push(keyDigest(key, type, data, expiresAtMs).hex());
  }
  perKey.sort();
  const whole = new Digest();
  for (const hex of perKey) whole.update(hex);
  return `${whole.hex()}:${perKey.length}`;
}

function keyDigest(
  key: ByteString,
  type: TypeName,
  data: unknown,
  expiresAtMs: number,
  digest: Digest = new Digest(),
): Digest {
  digest.piece('k', key);
  digest.piece('t', type);
  feed(digest, canonical(type, data));
  digest.piece('e', expiresAtMs === -1 ? NO_EXPIRY : String(expiresAtMs));
  return digest;
}

const NO_EXPIRY = String(-1);
const WORDS = 4;

/**
 * An incremental keyspace digest: each key's digest is kept, and the keyspace's is their sum (word by
 * word, mod 2^32, so it does not depend on order). Each call re-hashes only the keys changed since the
 * last one (the keyspace tracks them once a digest follows it: sets, deletes, writes in place and every
 * effect's keys), so comparing replicas costs what changed, not the whole keyspace. Equal keyspaces give
 * equal digests; its text differs from `digestKeyspace`'s (compare like with like).
 */
export class KeyspaceDigest {
  /** Each key's four words (its array is rewritten when the key changes). */
  private readonly perKey = new Map<ByteString, number[]>();
  private readonly sums = new Array<number>(WORDS).fill(0);
  private started = false;
  /** Hashes each re-hashed key in turn. */
  private readonly scratch = new Digest();

  constructor(
    private readonly db: Keyspace,
    /** Shared with the digests of keyspaces that take the same writes (a primary's and its replicas'). */
    private readonly strings?: StringKeyDigests,
  ) {}

  digest(): string {
    const data = this.db.data;
    if (!this.started || data.cleared) {
      this.rebuild();
    } else if (data.changes !== undefined) {
      for (const key of data.changes) this.rehash(key);
      data.changes.clear();
    }
    return `${this.sums.map((word) => word.toString(16).padStart(8, '0')).join('')}:${this.perKey.size}`;
  }

  /** The same digest computed from every key now, without following the keyspace (for checks). */
  static of(db: Keyspace): string {
    const sums = new Array<number>(WORDS).fill(0);
    let count = 0;
    const words = new Array<number>(WORDS).fill(0);
    for (const [key, value] of db.data.entries()) {
      keyDigest(key, typeOf(value), dumpValue(value), db.expiresAtMs.get(key) ?? -1).wordsInto(words);
      for (let i = 0; i < WORDS; i++) sums[i] = ((sums[i] as number) + (words[i] as number)) >>> 0;
      count++;
    }
    return `${sums.map((word) => word.toString(16).padStart(8, '0')).join('')}:${count}`;
  }

  private rebuild(): void {
    const data = this.db.data;
    data.changes = new Set();
    data.cleared = false;
    this.started = true;
    this.perKey.clear();
    this.sums.fill(0);
    for (const key of data.keysIterator()) this.rehash(key);
  }

  /** Takes the key's old words out of the sums and its new ones in; a changed key keeps its array. */
  private rehash(key: ByteString): void {
    const sums = this.sums;
    let words = this.perKey.get(key);
    if (words !== undefined) {
      for (let i = 0; i < WORDS; i++) sums[i] = ((sums[i] as number) - (words[i] as number)) >>> 0;
    }
    const value = this.db.data.peek(key);
    if (value === undefined) {
      if (words !== undefined) this.perKey.delete(key);
      return;
    }
    const expiresAtMs = this.db.expiresAtMs.get(key) ?? -1;
    if (words === undefined) this.perKey.set(key, (words = new Array<number>(WORDS)));
    const strings = this.strings;
    if (strings !== undefined && typeof value === 'string') strings.wordsInto(key, value, expiresAtMs, words);
    else keyDigest(key, typeOf(value), dumpValue(value), expiresAtMs, this.scratch.reset()).wordsInto(words);
    for (let i = 0; i < WORDS; i++) sums[i] = ((sums[i] as number) + (words[i] as number)) >>> 0;
  }
}

/**
 * The last digest words of each key holding a string, with that string and expiry: keyspaces that
 * take the same writes (a primary and its replicas) re-hash the same keys to the same values, and
 * all but the first find the words here (a lookup and a string comparison, not a hash of the value).
 * One entry per key, replaced when the key is hashed with another value or expiry.
 */
export class StringKeyDigests {
  private readonly byKey = new Map<ByteString, { value: ByteString; expiresAtMs: number; words: number[] }>();
  private readonly scratch = new Digest();

  /** Writes the words of `key` holding `value` (expiring at `expiresAtMs`, -1: never) into `into`. */
  wordsInto(key: ByteString, value: ByteString, expiresAtMs: number, into: number[]): void {
    let known = this.byKey.get(key);
    if (known === undefined) this.byKey.set(key, (known = { value, expiresAtMs, words: new Array<number>(WORDS) }));
    else if (known.value === value && known.expiresAtMs === expiresAtMs) {
      for (let i = 0; i < WORDS; i++) into[i] = known.words[i] as number;
      return;
    }
    known.value = value;
    known.expiresAtMs = expiresAtMs;
    keyDigest(key, 'string', value, expiresAtMs, this.scratch.reset()).wordsInto(known.words);
    for (let i = 0; i < WORDS; i++) into[i] = known.words[i] as number;
  }
}
