import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dumpKeyspace, Engine, loadSnapshotEntry, type Reply, ReplyError } from '@meridian/engine';
import { HashValue } from '../../src/types/hash.js';
import { PACKED_ELEMENT_BYTES_MAX, PACKED_ENTRIES_MAX } from '../../src/types/packed-hash.js';
import { seededRandom } from '../../../../test/support/replay.js';

const T0 = 1_700_000_000_000;

/**
 * The reference: a Map keeps insertion order, an update keeps a field's place and a re-added
 * field goes last — exactly a listpack's order, which a packed hash must keep. `packed` is the
 * encoding Redis would hold: a listpack until the hash outgrows the limits, never back after.
 */
interface Model {
  fields: Map<string, { value: string; atMs: number | undefined }>;
  packed: boolean;
}

/** 160 short fields (more than PACKED_ENTRIES_MAX) and one too long to be packed. */
const field = fc.oneof(
  { weight: 400, arbitrary: fc.integer({ min: 0, max: 159 }).map((i) => `f${i}`) },
  { weight: 1, arbitrary: fc.constant('F'.repeat(PACKED_ELEMENT_BYTES_MAX + 1)) },
);
const value = fc.oneof(
  { weight: 100, arbitrary: fc.integer({ min: -50, max: 50 }).map(String) },
  { weight: 100, arbitrary: fc.integer({ min: 0, max: 20 }).map((n) => 'v'.repeat(n)) },
  // The longest value that stays packed, one too long, and bytes 0 and 255 (length chars look alike).
  { weight: 1, arbitrary: fc.constantFrom('w'.repeat(64), 'w'.repeat(65), '\u0000\u00ff\u0001', '\u0040'.repeat(13)) },
);
const fieldList = fc.array(field, { minLength: 1, maxLength: 30, size: 'max' });
/** Runs of consecutive fields, so that hashes grow past PACKED_ENTRIES_MAX within a few steps. */
const fieldRun = fc
  .tuple(fc.integer({ min: 0, max: 159 }), fc.integer({ min: 1, max: 70 }), value)
  .map(([start, count, v]) => Array.from({ length: Math.min(count, 160 - start) }, (_, i) => [`f${start + i}`, v]));

const command: fc.Arbitrary<string[]> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .array(fc.tuple(field, value), { minLength: 1, maxLength: 20, size: 'max' })
      .map((pairs) => ['HSET', 'h', ...pairs.flat()]),
  },
  { weight: 4, arbitrary: fieldRun.map((pairs) => ['HSET', 'h', ...pairs.flat()]) },
  { weight: 1, arbitrary: fieldRun.map((pairs) => ['HDEL', 'h', ...pairs.map(([name]) => name as string)]) },
  { weight: 3, arbitrary: fieldList.map((fields) => ['HDEL', 'h', ...fields]) },
  { weight: 1, arbitrary: fc.tuple(field, value).map(([f, v]) => ['HSETNX', 'h', f, v]) },
  {
    weight: 2,
    arbitrary: fc.tuple(field, fc.integer({ min: -9, max: 9 })).map(([f, n]) => ['HINCRBY', 'h', f, String(n)]),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.integer({ min: 0, max: 20 }), fieldList)
      .map(([ms, fields]) => ['HPEXPIRE', 'h', String(ms), 'FIELDS', String(fields.length), ...fields]),
  },
  { weight: 1, arbitrary: fieldList.map((fields) => ['HPERSIST', 'h', 'FIELDS', String(fields.length), ...fields]) },
  { weight: 1, arbitrary: fieldList.map((fields) => ['HGETDEL', 'h', 'FIELDS', String(fields.length), ...fields]) },
  { weight: 1, arbitrary: fc.constant<string[]>(['DEL', 'h']) },
);

const step = fc.record({
  argv: command,
  advanceMs: fc.integer({ min: 0, max: 4 }),
  reload: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
});

function fits(text: string): boolean {
  return text.length <= PACKED_ELEMENT_BYTES_MAX;
}

function set(model: Model, name: string, value: string, keepTtl: boolean): boolean {
  const existing = model.fields.get(name);
  if (existing === undefined && model.fields.size === 0) model.packed = true;
  model.fields.set(name, { value, atMs: keepTtl ? existing?.atMs : undefined });
  if (model.fields.size > PACKED_ENTRIES_MAX || !fits(name) || !fits(value)) model.packed = false;
  return existing === undefined;
}

function isInteger(text: string): boolean {
  return /^(0|-?[1-9]\d*)$/.test(text);
}

/** What the command answers and does to the model, as Redis does it (the primary's view). */
function apply(model: Model, argv: readonly string[], nowMs: number): Reply {
  if (argv[0] === 'DEL') {
    // DEL does not look at field TTLs: a hash whose fields all expired still exists until read.
    const existed = model.fields.size > 0;
    model.fields.clear();
    return existed ? 1 : 0;
  }
  for (const [name, { atMs }] of model.fields) if (atMs !== undefined && atMs <= nowMs) model.fields.delete(name);
  const listed = argv.slice(argv[0] === 'HDEL' ? 2 : argv[0] === 'HPEXPIRE' ? 5 : 4);
  switch (argv[0]) {
    case 'HSET': {
      let created = 0;
      for (let i = 2; i < argv.length; i += 2)
        if (set(model, argv[i] as string, argv[i + 1] as string, false)) created++;
      return created;
    }
    case 'HSETNX':
      return model.fields.has(argv[2] as string) ? 0 : Number(set(model, argv[2] as string, argv[3] as string, false));
    case 'HINCRBY': {
      const current = model.fields.get(argv[2] as string)?.value ?? '0';
      if (!isInteger(current)) return new ReplyError('ERR hash value is not an integer');
      set(model, argv[2] as string, String(BigInt(current) + BigInt(argv[3] as string)), true);
      return Number(model.fields.get(argv[2] as string)?.value);
    }
    case 'HDEL':
      return listed.filter((name) => model.fields.delete(name)).length;
    case 'HGETDEL':
      return listed.map((name) => {
        const value = model.fields.get(name)?.value ?? null;
        model.fields.delete(name);
        return value;
      });
    case 'HPEXPIRE':
      return listed.map((name) => {
        const entry = model.fields.get(name);
        if (entry === undefined) return -2;
        if (argv[2] === '0') {
          model.fields.delete(name);
          return 2;
        }
        entry.atMs = nowMs + Number(argv[2]);
        return 1;
      });
    case 'HPERSIST':
      return listed.map((name) => {
        const entry = model.fields.get(name);
        if (entry === undefined) return -2;
        if (entry.atMs === undefined) return -1;
        entry.atMs = undefined;
        return 1;
      });
  }
  throw new Error(`no model for ${argv[0]}`);
}

function hashOf(engine: Engine): HashValue | undefined {
  const value = engine.db.data.get('h');
  return value instanceof HashValue ? value : undefined;
}

function flatModel(model: Model): string[] {
  return [...model.fields].flatMap(([name, { value }]) => [name, value]);
}

function sortedPairs(flat: readonly string[]): string[][] {
  const pairs: string[][] = [];
  for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i] as string, flat[i + 1] as string]);
  return pairs.sort((a, b) => ((a[0] as string) < (b[0] as string) ? -1 : 1));
}

function scanAll(engine: Engine, nowMs: number): string[] {
  const found: string[] = [];
  let cursor = '0';
  let calls = 0;
  do {
    const [next, page] = engine.execute(['HSCAN', 'h', cursor, 'COUNT', '3'], nowMs).reply as [string, string[]];
    found.push(...page);
    cursor = next;
    calls++;
  } while (cursor !== '0' && calls < 1000);
  return found;
}

/** Checks the hash at `h` against the model: contents, order while packed, encoding, scans. */
function check(engine: Engine, model: Model, nowMs: number): void {
  const hash = hashOf(engine);
  expect(hash === undefined).toBe(model.fields.size === 0);
  if (hash === undefined) return;
  expect(hash.isPacked).toBe(model.packed);
  expect(engine.execute(['HLEN', 'h'], nowMs).reply).toBe(model.fields.size);
  const all = engine.execute(['HGETALL', 'h'], nowMs).reply as string[];
  if (model.packed) {
    expect(all).toEqual(flatModel(model));
    // Redis returns a whole listpack in one HSCAN call, whatever COUNT says.
    expect(engine.execute(['HSCAN', 'h', '0', 'COUNT', '1'], nowMs).reply).toEqual(['0', all]);
  } else {
    expect(sortedPairs(all)).toEqual(sortedPairs(flatModel(model)));
    expect(sortedPairs(scanAll(engine, nowMs))).toEqual(sortedPairs(all));
  }
  const names = [...model.fields.keys()];
  const probe = [names[0] ?? 'f0', names[names.length - 1] ?? 'f1', 'nosuch', names[names.length >> 1] ?? 'f2'];
  expect(engine.execute(['HMGET', 'h', ...probe], nowMs).reply).toEqual(
    probe.map((name) => model.fields.get(name)?.value ?? null),
  );
  const picks = engine.execute(['HRANDFIELD', 'h', '-7', 'WITHVALUES'], nowMs).reply as string[];
  for (let i = 0; i < picks.length; i += 2) expect(model.fields.get(picks[i] as string)?.value).toBe(picks[i + 1]);
  expect(picks.length).toBe(14);
}

function reorder(model: Model, names: readonly string[]): void {
  const fields = new Map(model.fields);
  model.fields.clear();
  for (const name of names) model.fields.set(name, fields.get(name) ?? { value: '?', atMs: undefined });
}

/** A fresh engine loaded from `engine`'s snapshot, as a node restarts or a replica syncs. */
function reloaded(engine: Engine): Engine {
  const target = new Engine({ role: 'primary', random: seededRandom(1) });
  for (const entry of dumpKeyspace(engine.db)) loadSnapshotEntry(target.db, JSON.parse(JSON.stringify(entry)));
  return target;
}

describe('hashes: the packed encoding and the switch to the dict', () => {
  it('match a Map model under random writes, TTLs and reloads crossing the limits', () => {
    /** Runs in which each crossing happened. */
    const seen = { bigPacked: 0, tooMany: 0, tooLong: 0, shrunkDict: 0, repacked: 0 };
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 80, size: 'max' }), (steps) => {
        let engine = new Engine({ role: 'primary', random: seededRandom(3) });
        const model: Model = { fields: new Map(), packed: true };
        let nowMs = T0;
        const happened = new Set<keyof typeof seen>();
        for (const { argv, advanceMs, reload } of steps) {
          const expected = apply(model, argv, nowMs);
          if (model.fields.size === 0) model.packed = true;
          expect(engine.execute(argv, nowMs).reply).toEqual(expected);
          check(engine, model, nowMs);
          if (model.fields.size > PACKED_ENTRIES_MAX) happened.add('tooMany');
          else if (!model.packed && model.fields.size > 0) happened.add('shrunkDict');
          if (model.packed && model.fields.size > 100) happened.add('bigPacked');
          if ([...model.fields].some(([name, { value }]) => !fits(name) || !fits(value))) happened.add('tooLong');
          nowMs += advanceMs;
          if (reload) {
            engine = reloaded(engine);
            // A dict's order is its own; a packed hash keeps its order through a snapshot.
            if (!model.packed)
              reorder(
                model,
                (hashOf(engine)?.entryList() ?? []).map(([name]) => name),
              );
            // A snapshot load picks the encoding from the content, as Redis's RDB load does.
            const names = [...model.fields.keys()];
            const wasPacked = model.packed;
            model.packed =
              model.fields.size <= PACKED_ENTRIES_MAX &&
              names.every(fits) &&
              [...model.fields.values()].every(({ value }) => fits(value));
            if (!wasPacked && model.packed && model.fields.size > 0) happened.add('repacked');
          }
        }
        for (const event of happened) seen[event]++;
      }),
      { numRuns: 300 },
    );
    // The runs must cross the limits both ways, or the test proves nothing about the switch.
    for (const runs of Object.values(seen)) expect(runs).toBeGreaterThan(10);
  });

  it('packs exactly up to the limits: 128 entries, 64-byte fields and values', () => {
    const engine = new Engine({ role: 'primary' });
    const run = (...argv: string[]): Reply => engine.execute(argv, T0).reply;
    const entries = Array.from({ length: PACKED_ENTRIES_MAX }, (_, i) => [`f${i}`, 'v'.repeat(i % 65)]).flat();
    run('HSET', 'h', ...entries);
    run('HSET', 'h', 'k'.repeat(64), 'x', 'f0', 'w'.repeat(64));
    expect(hashOf(engine)?.isPacked).toBe(false);
    run('DEL', 'h');
    run('HSET', 'h', ...entries);
    run('HSET', 'h', 'f0', 'w'.repeat(64));
    expect(hashOf(engine)?.isPacked).toBe(true);
    run('HSET', 'h', 'f1', 'w'.repeat(65));
    expect(hashOf(engine)?.isPacked).toBe(false);
    expect(run('HGET', 'h', 'f1')).toBe('w'.repeat(65));
    expect(run('HLEN', 'h')).toBe(PACKED_ENTRIES_MAX);
    // Like Redis, shrinking does not convert back; a reload does.
    run('HDEL', 'h', 'f1');
    expect(hashOf(engine)?.isPacked).toBe(false);
    expect(hashOf(reloaded(engine))?.isPacked).toBe(true);
  });
});
