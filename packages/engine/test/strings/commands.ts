/** Random string and bitmap command sequences shared by the replay and differential tests. */
import fc from 'fast-check';
import { commandTable } from '@meridian/engine';

const key = fc.constantFrom('s1', 's2', 's3', 'w');
const keyList = fc.array(key, { minLength: 1, maxLength: 4 });
const value = fc.constantFrom(
  '',
  'a',
  'abc',
  'hello world',
  '10',
  '-3',
  '9223372036854775806',
  '1.5',
  '0.1',
  '\u00ff\u0000\u0080',
  'ab',
);
const integer = fc.constantFrom(
  '1',
  '-1',
  '0',
  '5',
  '-7',
  '100',
  '9223372036854775807',
  '-9223372036854775808',
  'x',
  '1.0',
);
const float = fc.constantFrom(
  '0.1',
  '-0.2',
  '1.5',
  '3',
  '1e3',
  '2.5e-3',
  '-7',
  '0.3333',
  'abc',
  'inf',
  '1e400',
  '5.0e3',
  '.5',
  '1e-20',
);
const index = fc.integer({ min: -12, max: 12 }).map(String);
const bitOffset = fc.integer({ min: 0, max: 40 }).map(String);
const bitUnit = fc.constantFrom<string[]>([], ['BYTE'], ['BIT'], ['bit']);

const bitfieldType = fc.constantFrom('u1', 'u4', 'u8', 'i8', 'i5', 'u16', 'i16', 'i32', 'u63', 'i64');
const bitfieldOffset = fc.oneof(fc.integer({ min: 0, max: 40 }).map(String), fc.constantFrom('#0', '#1', '#3'));
const bitfieldAmount = fc.constantFrom(
  '0',
  '1',
  '-1',
  '100',
  '-100',
  '127',
  '255',
  '300',
  '9223372036854775807',
  '-9223372036854775808',
);
const bitfieldOp: fc.Arbitrary<string[]> = fc.oneof(
  fc.tuple(bitfieldType, bitfieldOffset).map(([t, o]) => ['GET', t, o]),
  fc
    .tuple(fc.constantFrom('SET', 'INCRBY'), bitfieldType, bitfieldOffset, bitfieldAmount)
    .map(([c, t, o, a]) => [c, t, o, a]),
  fc.constantFrom('WRAP', 'SAT', 'FAIL').map((o) => ['OVERFLOW', o]),
);

const setOptions = fc.constantFrom<string[]>(
  [],
  ['NX'],
  ['XX'],
  ['GET'],
  ['NX', 'GET'],
  ['XX', 'GET'],
  ['EX', '100'],
  ['PX', '100000'],
  ['KEEPTTL'],
  ['EXAT', '99999999999'],
);

/** Whether GETEX's TTL effects (PEXPIREAT, PERSIST) can be applied by a replica in this build. */
export const getexEffectsAvailable = commandTable.has('pexpireat') && commandTable.has('persist');

const getexOptions = (withTtlEffects: boolean): fc.Arbitrary<string[]> =>
  withTtlEffects
    ? fc.constantFrom<string[]>(
        [],
        ['EX', '100'],
        ['PX', '100000'],
        ['PERSIST'],
        ['EXAT', '1'],
        ['exat', '99999999999'],
      )
    : fc.constantFrom<string[]>([], ['EXAT', '1']);

const bitposArguments = fc
  .tuple(fc.constantFrom('0', '1'), index, index, bitUnit, fc.nat(3))
  .map(([bit, start, end, unit, form]) => [bit, start, end, ...unit].slice(0, form === 3 ? 3 + unit.length : form + 1));

/**
 * Commands whose replies are deterministic and time-independent (no TTL reads). GETEX with a
 * relative TTL or PERSIST only when `withGetexTtl` (its effects need PEXPIREAT and PERSIST).
 */
export const stringCommandWith = (withGetexTtl: boolean): fc.Arbitrary<string[]> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.tuple(key, value, setOptions).map(([k, v, o]) => ['SET', k, v, ...o]) },
    { weight: 2, arbitrary: key.map((k) => ['GET', k]) },
    fc.tuple(key, value).map(([k, v]) => ['SETNX', k, v]),
    fc.tuple(key, value).map(([k, v]) => ['SETEX', k, '100', v]),
    fc.tuple(key, value).map(([k, v]) => ['PSETEX', k, '100000', v]),
    fc.tuple(key, value).map(([k, v]) => ['GETSET', k, v]),
    key.map((k) => ['GETDEL', k]),
    fc.tuple(key, getexOptions(withGetexTtl)).map(([k, o]) => ['GETEX', k, ...o]),
    keyList.map((ks) => ['MGET', ...ks]),
    fc.array(fc.tuple(key, value), { minLength: 1, maxLength: 3 }).map((pairs) => ['MSET', ...pairs.flat()]),
    fc.array(fc.tuple(key, value), { minLength: 1, maxLength: 3 }).map((pairs) => ['MSETNX', ...pairs.flat()]),
    { weight: 2, arbitrary: fc.tuple(key, value).map(([k, v]) => ['APPEND', k, v]) },
    key.map((k) => ['STRLEN', k]),
    fc.tuple(fc.constantFrom('GETRANGE', 'SUBSTR'), key, index, index).map(([c, k, a, b]) => [c, k, a, b]),
    fc.tuple(key, fc.integer({ min: 0, max: 20 }), value).map(([k, o, v]) => ['SETRANGE', k, String(o), v]),
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom('INCR', 'DECR'), key).map(([c, k]) => [c, k]) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom('INCRBY', 'DECRBY'), key, integer).map(([c, k, n]) => [c, k, n]) },
    { weight: 3, arbitrary: fc.tuple(key, float).map(([k, f]) => ['INCRBYFLOAT', k, f]) },
    {
      weight: 2,
      arbitrary: fc.tuple(key, bitOffset, fc.constantFrom('0', '1')).map(([k, o, b]) => ['SETBIT', k, o, b]),
    },
    fc.tuple(key, bitOffset).map(([k, o]) => ['GETBIT', k, o]),
    fc
      .tuple(key, fc.option(fc.tuple(index, index, bitUnit)))
      .map(([k, range]) => (range === null ? ['BITCOUNT', k] : ['BITCOUNT', k, range[0], range[1], ...range[2]])),
    fc.tuple(key, bitposArguments).map(([k, args]) => ['BITPOS', k, ...args]),
    fc
      .tuple(fc.constantFrom('AND', 'OR', 'XOR', 'NOT'), key, keyList)
      .map(([op, dest, sources]) => ['BITOP', op, dest, ...(op === 'NOT' ? sources.slice(0, 1) : sources)]),
    {
      weight: 2,
      arbitrary: fc
        .tuple(key, fc.array(bitfieldOp, { maxLength: 4 }))
        .map(([k, ops]) => ['BITFIELD', k, ...ops.flat()]),
    },
    fc.tuple(key, bitfieldType, bitfieldOffset).map(([k, t, o]) => ['BITFIELD_RO', k, 'GET', t, o]),
    fc
      .tuple(
        key,
        key,
        fc.constantFrom<string[]>([], ['LEN'], ['IDX'], ['IDX', 'WITHMATCHLEN'], ['IDX', 'MINMATCHLEN', '2']),
      )
      .map(([a, b, o]) => ['LCS', a, b, ...o]),
    key.map((k) => ['DEL', k]),
  );

export const stringCommand = stringCommandWith(true);

/** Makes key `w` a list, when lists exist, so wrong-type paths are exercised. */
export function wrongTypeSetup(): string[][] {
  return commandTable.has('lpush') ? [['LPUSH', 'w', 'x', 'y']] : [];
}

/** Adds what only a replay can check: TTLs that expire during the run, and relative TTL effects. */
export function stringCommandForReplay(startMs: number): fc.Arbitrary<string[]> {
  const ttlCommands: fc.Arbitrary<string[]>[] = [
    fc.tuple(key, value, fc.integer({ min: 1, max: 5 })).map(([k, v, ms]) => ['SET', k, v, 'PX', String(ms)]),
    fc.tuple(key, value, fc.integer({ min: 1, max: 5 })).map(([k, v, ms]) => ['PSETEX', k, String(ms), v]),
    fc.tuple(key, value).map(([k, v]) => ['SETEX', k, '1', v]),
    fc
      .tuple(key, value, fc.integer({ min: -3, max: 60 }))
      .map(([k, v, ms]) => ['SET', k, v, 'PXAT', String(startMs + ms)]),
    fc.tuple(key, value).map(([k, v]) => ['SET', k, v, 'KEEPTTL']),
  ];
  if (getexEffectsAvailable) {
    ttlCommands.push(
      fc.tuple(key, fc.integer({ min: 1, max: 5 })).map(([k, ms]) => ['GETEX', k, 'PX', String(ms)]),
      fc.tuple(key, fc.integer({ min: -3, max: 60 })).map(([k, ms]) => ['GETEX', k, 'PXAT', String(startMs + ms)]),
      key.map((k) => ['GETEX', k, 'PERSIST']),
    );
  }
  return fc.oneof(
    { weight: 6, arbitrary: stringCommandWith(getexEffectsAvailable) },
    { weight: 2, arbitrary: fc.oneof(...ttlCommands) },
  );
}
