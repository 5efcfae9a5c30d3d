import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstMismatch } from '../../../../test/support/differential.js';
import { type Oracle, redisServerAvailable, startOracle } from '../../../../test/support/oracle.js';
import { stringCommand, wrongTypeSetup } from './commands.js';

const LONG_MIN = '-9223372036854775808';
const bitUnitOrNone = fc.constantFrom<string[]>([], ['BIT'], ['BYTE']);
const LONG_MAX = '9223372036854775807';

const setup: string[][] = [
  ['SET', 's', 'foobar'],
  ['SET', 'n', '10'],
  ['SET', 'f', '10.5'],
  ['SET', 'big', LONG_MAX],
  ['SET', 'small', LONG_MIN],
  ...wrongTypeSetup(),
];

const arityCases: string[][] = [
  ['GET'],
  ['SET', 'k'],
  ['SETNX', 'k'],
  ['SETEX', 'k', '10'],
  ['PSETEX', 'k', '10'],
  ['GETSET', 'k'],
  ['GETDEL'],
  ['GETEX'],
  ['MGET'],
  ['MSET', 'k'],
  ['MSET', 'a', '1', 'b'],
  ['MSETNX', 'a', '1', 'b'],
  ['APPEND', 'k'],
  ['STRLEN'],
  ['GETRANGE', 'k', '0'],
  ['SUBSTR', 'k', '0'],
  ['SETRANGE', 'k', '0'],
  ['INCR'],
  ['DECR'],
  ['INCRBY', 'k'],
  ['DECRBY', 'k'],
  ['INCRBYFLOAT', 'k'],
  ['SETBIT', 'k', '0'],
  ['GETBIT', 'k'],
  ['BITCOUNT'],
  ['BITPOS', 'k'],
  ['BITOP', 'AND', 'd'],
  ['BITFIELD'],
  ['BITFIELD_RO'],
  ['LCS', 'a'],
];

const optionCases: string[][] = [
  // SET and GETEX options.
  ['SET', 'k', 'v', 'EX', '10', 'EX', '20'],
  ['SET', 'k', 'v', 'EX', '10', 'PX', '20'],
  ['SET', 'k', 'v', 'EX', '10', 'KEEPTTL'],
  ['SET', 'k', 'v', 'KEEPTTL', 'PX', '5'],
  ['SET', 'k', 'v', 'NX', 'XX'],
  ['SET', 'k', 'v', 'nx', 'nx'],
  ['SET', 'k', 'v', 'EX'],
  ['SET', 'k', 'v', 'EX', '0'],
  ['SET', 'k', 'v', 'EX', '-1'],
  ['SET', 'k', 'v', 'EX', 'x'],
  ['SET', 'k', 'v', 'EX', '9223372036854775'],
  ['SET', 'k', 'v', 'EX', '9223372036854776'],
  ['SET', 'k', 'v', 'PX', LONG_MAX],
  ['SET', 'k', 'v', 'PXAT', LONG_MAX],
  ['SET', 'k', 'v', 'EXAT', '9223372036854775'],
  ['SET', 'k', 'v', 'PERSIST'],
  ['SET', 'k', 'v', 'FOO'],
  ['SET', 's', 'v', 'EX', 'x', 'GET'],
  ['SET', 'w', 'v', 'GET'],
  ['SET', 'w', 'v', 'NX', 'GET'],
  ['SET', 'k', 'new', 'NX', 'GET'],
  ['SET', 'nokey', 'v', 'XX', 'GET'],
  ['SET', 'k', 'newer', 'XX', 'GET'],
  ['GET', 'k'],
  ['SET', 'k', 'v', 'EXAT', '1'],
  ['GET', 'k'],
  ['GETEX', 'k', 'NX'],
  ['GETEX', 'k', 'KEEPTTL'],
  ['GETEX', 'k', 'GET'],
  ['GETEX', 's', 'PERSIST', 'EX', '10'],
  ['GETEX', 's', 'EX', '10', 'PERSIST'],
  ['GETEX', 's', 'PERSIST', 'PERSIST'],
  ['GETEX', 's', 'EX', '0'],
  ['GETEX', 's', 'PX', 'x'],
  ['GETEX', 'nokey', 'EX', '0'],
  ['GETEX', 'nokey', 'EX', '10'],
  ['GETEX', 'w'],
  ['GETEX', 'w', 'EX', '10'],
  ['SETEX', 'k', '0', 'v'],
  ['SETEX', 'k', '-5', 'v'],
  ['SETEX', 'k', 'x', 'v'],
  ['SETEX', 'k', '9223372036854776', 'v'],
  ['PSETEX', 'k', '0', 'v'],
  ['PSETEX', 'k', LONG_MAX, 'v'],
  ['SETEX', 'w', '10', 'v'],
  ['GET', 'w'],
  ...wrongTypeSetup(),
];

const integerCases: string[][] = [
  ['INCR', 's'],
  ['INCR', 'big'],
  ['DECR', 'small'],
  ['INCRBY', 'n', LONG_MAX],
  ['INCRBY', 'small', '-1'],
  ['INCRBY', 'small', LONG_MAX],
  ['DECRBY', 'n', LONG_MIN],
  ['DECRBY', 'nokey', LONG_MIN],
  ['DECRBY', 'n', '-9223372036854775807'],
  ['DECRBY', 'small', '-9223372036854775807'],
  ['INCRBY', 'n', '9223372036854775808'],
  ['INCRBY', 'n', ' 1'],
  ['INCRBY', 'n', '+1'],
  ['INCRBY', 'n', '01'],
  ['INCRBY', 'n', '-0'],
  ['INCRBY', 'n', ''],
  ['INCRBY', 'w', 'x'],
  ['INCR', 'w'],
  ['SET', 'sp', ' 1'],
  ['INCR', 'sp'],
  ['SET', 'neg0', '-0'],
  ['INCR', 'neg0'],
  ['SET', 'long', '123456789012345678901'],
  ['INCR', 'long'],
  ['INCRBY', 'new', '-5'],
  ['INCRBYFLOAT', 'f', '0.1'],
  ['INCRBYFLOAT', 'f', '-5'],
  ['INCRBYFLOAT', 'f', 'x'],
  ['INCRBYFLOAT', 'f', ''],
  ['INCRBYFLOAT', 'f', ' 1'],
  ['INCRBYFLOAT', 'f', '1 '],
  ['INCRBYFLOAT', 'f', 'nan'],
  ['INCRBYFLOAT', 'f', 'inf'],
  ['INCRBYFLOAT', 'f', '-infinity'],
  ['INCRBYFLOAT', 'f', '1e5000'],
  ['INCRBYFLOAT', 'f', '1e-5000'],
  ['INCRBYFLOAT', 'f', '0x10'],
  ['INCRBYFLOAT', 'f', '0x1.8p1'],
  ['INCRBYFLOAT', 'f', '-0x.8'],
  ['INCRBYFLOAT', 'f', '0x'],
  ['INCRBYFLOAT', 'f', '1e'],
  ['INCRBYFLOAT', 'f', '+.5e+1'],
  ['INCRBYFLOAT', 'f', '5.'],
  ['INCRBYFLOAT', 'f', '.'],
  ['INCRBYFLOAT', 'f', '4.9e-4951'],
  ['INCRBYFLOAT', 'f', '1\u0000abc'],
  ['INCRBYFLOAT', 'g', '1e4000'],
  ['INCRBYFLOAT', 'g', '-1e4000'],
  ['INCRBYFLOAT', 'h', '1e308'],
  ['INCRBYFLOAT', 'h', '1e308'],
  ['INCRBYFLOAT', 'i', '0.1'],
  ['INCRBYFLOAT', 'i', '0.2'],
  ['INCRBYFLOAT', 'i', '-0.3'],
  ['INCRBYFLOAT', 'j', '-0'],
  ['INCRBYFLOAT', 'j', '1e-18'],
  ['INCRBYFLOAT', 'j', '-5e-18'],
  ['INCRBYFLOAT', 'k2', '123456789.123456789'],
  ['INCRBYFLOAT', 'k2', '9007199254740993'],
  ['INCRBYFLOAT', 'big', '1'],
  ['INCRBYFLOAT', 's', '1'],
  ['INCRBYFLOAT', 'w', '1'],
  ['SET', 'fi', 'inf'],
  ['INCRBYFLOAT', 'fi', '1'],
  ['SET', 'fe', '1e3'],
  ['INCRBYFLOAT', 'fe', '2.0e2'],
  ['SET', 'fn', '\u0000'],
  ['INCRBYFLOAT', 'fn', '2'],
];

const rangeCases: string[][] = [
  ['GETRANGE', 's', '0', '2'],
  ['GETRANGE', 's', '-3', '-1'],
  ['GETRANGE', 's', '-1', '-3'],
  ['GETRANGE', 's', '4', '100'],
  ['GETRANGE', 's', '100', '200'],
  ['GETRANGE', 's', LONG_MIN, LONG_MAX],
  ['GETRANGE', 's', '-9223372036854775807', LONG_MIN],
  ['GETRANGE', 's', 'x', '1'],
  ['GETRANGE', 'nokey', 'x', '1'],
  ['GETRANGE', 'nokey', '0', '1'],
  ['GETRANGE', 'w', '0', '1'],
  ['SUBSTR', 's', '1', '-2'],
  ['SETRANGE', 's', '-1', 'x'],
  ['SETRANGE', 's', 'x', 'x'],
  ['SETRANGE', 's', '10', ''],
  ['SETRANGE', 'nokey', '10', ''],
  ['GET', 'nokey'],
  ['SETRANGE', 'nokey', '536870912', ''],
  ['SETRANGE', 'nokey', '536870912', 'x'],
  ['SETRANGE', 'nokey', '536870911', 'xx'],
  ['SETRANGE', 's', '536870911', 'xx'],
  ['SETRANGE', 'w', '0', ''],
  ['SETRANGE', 's', '3', 'BAR'],
  ['SETRANGE', 's', '8', 'tail'],
  ['GET', 's'],
  ['SETRANGE', 'pad', '3', 'x'],
  ['GET', 'pad'],
  ['APPEND', 'w', 'x'],
  ['APPEND', 'nokey2', ''],
  ['GET', 'nokey2'],
  ['STRLEN', 'w'],
  ['MGET', 's', 'w', 'nokey', 'n'],
  ['MSETNX', 'n', '1', 'fresh', '2'],
  ['GET', 'fresh'],
  ['MSETNX', 'fresh2', '1', 'fresh3', '2', 'fresh2', '3'],
  ['MGET', 'fresh2', 'fresh3'],
  ['MSET', 'w', 'now-a-string'],
  ['GET', 'w'],
];

const bitCases: string[][] = [
  ['SETBIT', 'b', '-1', '1'],
  ['SETBIT', 'b', 'x', '1'],
  ['SETBIT', 'b', '4294967296', '1'],
  ['SETBIT', 'b', '0', '2'],
  ['SETBIT', 'b', '0', '-1'],
  ['SETBIT', 'b', '0', 'x'],
  ['SETBIT', 'w', '0', '1'],
  ['SETBIT', 'b', '7', '0'],
  ['GET', 'b'],
  ['SETBIT', 'b', '7', '1'],
  ['SETBIT', 'b', '7', '1'],
  ['GETBIT', 'b', '7'],
  ['GETBIT', 'b', '6'],
  ['GETBIT', 'b', '4294967295'],
  ['GETBIT', 'b', '4294967296'],
  ['GETBIT', 'b', '-1'],
  ['GETBIT', 'w', '0'],
  ['GETBIT', 'nokey', 'x'],
  ['BITCOUNT', 's'],
  ['BITCOUNT', 's', '1'],
  ['BITCOUNT', 's', '1', '1', 'BIT', 'x'],
  ['BITCOUNT', 's', '0', '0'],
  ['BITCOUNT', 's', '1', '1'],
  ['BITCOUNT', 's', '5', '30', 'BIT'],
  ['BITCOUNT', 's', '-1', '-5'],
  ['BITCOUNT', 's', '-1', '-5', 'FOO'],
  ['BITCOUNT', 's', '0', '-1', 'FOO'],
  ['BITCOUNT', 's', 'a', 'b'],
  ['BITCOUNT', 'nokey', 'a', 'b'],
  ['BITCOUNT', 'nokey', '1'],
  ['BITCOUNT', 'w'],
  ['BITCOUNT', 's', LONG_MIN, LONG_MAX, 'BIT'],
  ['BITPOS', 's', '2'],
  ['BITPOS', 's', 'x'],
  ['BITPOS', 'nokey', '1', 'a'],
  ['BITPOS', 'nokey', '0'],
  ['BITPOS', 'nokey', '1'],
  ['BITPOS', 'nokey', '2'],
  ['BITPOS', 'w', '1'],
  ['BITPOS', 's', '1', '0', '1', '2', '3'],
  ['BITPOS', 's', '1', '0', 'x', 'FOO'],
  ['BITPOS', 's', '1', 'x', '0', 'FOO'],
  ['BITPOS', 's', '1', '-100', '-200'],
  ['SET', 'ones', '\u00ff\u00ff\u00ff'],
  ['BITPOS', 'ones', '0'],
  ['BITPOS', 'ones', '0', '1'],
  ['BITPOS', 'ones', '0', '0', '-1'],
  ['BITPOS', 'ones', '0', '3', '20', 'BIT'],
  ['BITPOS', 'ones', '0', '3', 'BIT'],
  ['SET', 'zeros', '\u0000\u0000\u0000'],
  ['BITPOS', 'zeros', '1'],
  ['BITPOS', 'zeros', '0', '5', '-1', 'BIT'],
  ['SET', 'empty', ''],
  ['BITPOS', 'empty', '0'],
  ['BITPOS', 'empty', '1'],
  ['BITCOUNT', 'empty', '0', '-1'],
  ['BITOP', 'FOO', 'd', 's'],
  ['BITOP', 'NOT', 'd', 's', 'n'],
  ['BITOP', 'AND', 'd', 's', 'w'],
  ['BITOP', 'AND', 'd', 'w', 'nokey'],
  ['BITOP', 'not', 'd', 's'],
  ['GET', 'd'],
  ['BITOP', 'or', 'd', 's', 'n', 'nokey'],
  ['GET', 'd'],
  ['BITOP', 'xor', 'd', 's', 's'],
  ['GET', 'd'],
  ['BITOP', 'and', 'd', 'nokey', 'nokey2'],
  ['STRLEN', 'd'],
  ['BITOP', 'and', 'w', 's'],
  ['GET', 'w'],
];

const bitfieldCases: string[][] = [
  ...wrongTypeSetup(),
  ['BITFIELD', 'bf'],
  ['BITFIELD', 'w'],
  ['BITFIELD', 'w', 'GET', 'u8', '0'],
  ['BITFIELD', 'w', 'SET', 'u8', '0', '1'],
  ['BITFIELD', 'bf', 'GET', 'u64', '0'],
  ['BITFIELD', 'bf', 'GET', 'i65', '0'],
  ['BITFIELD', 'bf', 'GET', 'i0', '0'],
  ['BITFIELD', 'bf', 'GET', 'x8', '0'],
  ['BITFIELD', 'bf', 'GET', '', '0'],
  ['BITFIELD', 'bf', 'GET', 'u8\u0000zz', '0'],
  ['BITFIELD', 'bf', 'GET', 'u08', '0'],
  ['BITFIELD', 'bf', 'GET', 'i8', '#-1'],
  ['BITFIELD', 'bf', 'GET', 'i8', '-1'],
  ['BITFIELD', 'bf', 'GET', 'i8', '4294967296'],
  ['BITFIELD', 'bf', 'GET', 'i8', '#536870912'],
  ['BITFIELD', 'bf', 'GET', 'i8', '#536870911'],
  ['BITFIELD', 'bf', 'GET', 'i64', '#2305843009213693952'],
  ['BITFIELD', 'bf', 'GET', 'u8'],
  ['BITFIELD', 'bf', 'GET', 'u8', '0', 'SET', 'u8', '0'],
  ['BITFIELD', 'bf', 'SET', 'u8', '0', 'x'],
  ['BITFIELD', 'bf', 'OVERFLOW', 'foo', 'GET', 'u8', '0'],
  ['BITFIELD', 'bf', 'OVERFLOW'],
  ['BITFIELD', 'bf', 'OVERFLOW', 'fail'],
  ['BITFIELD', 'bf', 'FOO', 'u8', '0'],
  ['BITFIELD_RO', 'bf', 'SET', 'u8', '0', '1'],
  ['BITFIELD_RO', 'bf', 'INCRBY', 'u8', '0', '1', 'GET', 'u8', '0'],
  ['BITFIELD_RO', 'bf', 'OVERFLOW', 'SAT', 'GET', 'u8', '0'],
  ['STRLEN', 'bf'],
  ['BITFIELD', 'bf', 'SET', 'i8', '0', '-100', 'GET', 'u8', '0', 'GET', 'i4', '0'],
  ['BITFIELD', 'bf', 'INCRBY', 'u2', '100', '1', 'OVERFLOW', 'SAT', 'INCRBY', 'u2', '102', '1'],
  ['BITFIELD', 'bf', 'INCRBY', 'u2', '100', '1', 'OVERFLOW', 'SAT', 'INCRBY', 'u2', '102', '1'],
  ['BITFIELD', 'bf', 'INCRBY', 'u2', '100', '1', 'OVERFLOW', 'SAT', 'INCRBY', 'u2', '102', '1'],
  ['BITFIELD', 'bf', 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', '102', '1', 'GET', 'u2', '102'],
  ['BITFIELD', 'bf', 'OVERFLOW', 'FAIL', 'SET', 'u8', '200', '256'],
  ['STRLEN', 'bf'],
  [
    'BITFIELD',
    'bf',
    'SET',
    'u8',
    '0',
    '-1',
    'OVERFLOW',
    'SAT',
    'SET',
    'u8',
    '8',
    '-1',
    'OVERFLOW',
    'FAIL',
    'SET',
    'u8',
    '16',
    '-1',
  ],
  [
    'BITFIELD',
    'bf',
    'SET',
    'i64',
    '3',
    LONG_MIN,
    'INCRBY',
    'i64',
    '3',
    '-1',
    'OVERFLOW',
    'SAT',
    'INCRBY',
    'i64',
    '3',
    '-1',
  ],
  [
    'BITFIELD',
    'bf',
    'OVERFLOW',
    'WRAP',
    'INCRBY',
    'i64',
    '3',
    LONG_MAX,
    'INCRBY',
    'u63',
    '5',
    LONG_MAX,
    'INCRBY',
    'u63',
    '5',
    '1',
  ],
  ['BITFIELD', 'bf', 'OVERFLOW', 'SAT', 'INCRBY', 'u63', '5', LONG_MAX, 'INCRBY', 'u63', '5', LONG_MIN],
  ['BITFIELD', 'bf', 'SET', 'i5', '#3', '100', 'OVERFLOW', 'sat', 'SET', 'i5', '#4', '100', 'SET', 'i5', '#5', '-100'],
  ['BITFIELD', 'bf', 'GET', 'u63', '1', 'GET', 'i64', '1', 'GET', 'i1', '9', 'GET', 'u1', '9'],
  ['BITFIELD', 'bf', 'OVERFLOW', 'SAT', 'SET', 'i5', '#6', LONG_MIN, 'SET', 'i5', '#7', '-9223372036854775790'],
  ['BITFIELD', 'bf', 'OVERFLOW', 'SAT', 'SET', 'i64', '#2', LONG_MIN, 'INCRBY', 'u4', '0', LONG_MIN],
  ['GET', 'bf'],
  ['BITFIELD_RO', 'bf', 'GET', 'u8', '#1'],
  ['BITFIELD_RO', 'w', 'GET', 'u8', '0'],
  ['BITFIELD_RO', 'nokey', 'GET', 'u8', '0'],
];

const lcsCases: string[][] = [
  ['MSET', 'key1', 'ohmytext', 'key2', 'mynewtext'],
  ['LCS', 'key1', 'key2'],
  ['LCS', 'key1', 'key2', 'LEN'],
  ['LCS', 'key1', 'key2', 'IDX'],
  ['LCS', 'key1', 'key2', 'IDX', 'MINMATCHLEN', '4'],
  ['LCS', 'key1', 'key2', 'IDX', 'MINMATCHLEN', '4', 'WITHMATCHLEN'],
  ['LCS', 'key1', 'key2', 'IDX', 'MINMATCHLEN', '-4', 'WITHMATCHLEN'],
  ['LCS', 'key1', 'key2', 'LEN', 'WITHMATCHLEN'],
  ['LCS', 'key1', 'key2', 'LEN', 'IDX'],
  ['LCS', 'key1', 'key2', 'MINMATCHLEN'],
  ['LCS', 'key1', 'key2', 'MINMATCHLEN', 'x'],
  ['LCS', 'key1', 'key2', 'FOO'],
  ['LCS', 'key1', 'nokey'],
  ['LCS', 'nokey', 'nokey', 'IDX'],
  ['LCS', 'key1', 'w'],
  ['LCS', 'w', 'nokey', 'FOO'],
  ['LCS', 'key1', 'key1', 'IDX', 'WITHMATCHLEN'],
  ['MSET', 'long1', 'a'.repeat(12_000), 'long2', 'b'.repeat(12_000)],
  ['LCS', 'long1', 'long2', 'LEN'],
];

describe.runIf(redisServerAvailable() || process.env.MERIDIAN_REQUIRE_ORACLE === '1')(
  'strings: differential against redis-server 7.0',
  () => {
    let oracle: Oracle;
    beforeAll(async () => {
      oracle = await startOracle();
    });
    afterAll(async () => {
      await oracle.stop();
    });

    const suites: [string, string[][]][] = [
      ['arity', arityCases],
      ['SET, GETEX, SETEX options', optionCases],
      ['integer and float arithmetic', integerCases],
      ['ranges, SETRANGE, APPEND, MGET, MSETNX', rangeCases],
      ['SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP', bitCases],
      ['BITFIELD and BITFIELD_RO', bitfieldCases],
      ['LCS', lcsCases],
    ];
    for (const [name, cases] of suites) {
      it(`answers targeted cases exactly as Redis: ${name}`, async () => {
        expect(await firstMismatch(oracle, [...setup, ...cases])).toBeUndefined();
      });
    }

    it('answers random command sequences exactly as Redis', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(stringCommand, { minLength: 1, maxLength: 60, size: 'max' }), async (commands) => {
          expect(await firstMismatch(oracle, [...wrongTypeSetup(), ...commands])).toBeUndefined();
        }),
        { numRuns: 400 },
      );
    });

    it('adds random floats exactly as long double arithmetic does', async () => {
      const decimal = fc
        .tuple(fc.integer({ min: -99999, max: 99999 }), fc.integer({ min: -25, max: 25 }))
        .map(([mantissa, exponent]) => `${mantissa}e${exponent}`);
      const increment = fc.oneof(decimal, fc.double({ noNaN: true, noDefaultInfinity: true }).map(String));
      await fc.assert(
        fc.asyncProperty(fc.array(increment, { minLength: 1, maxLength: 12 }), async (increments) => {
          const commands = increments.map((text) => ['INCRBYFLOAT', 'f', text]);
          expect(await firstMismatch(oracle, commands)).toBeUndefined();
        }),
        { numRuns: 300 },
      );
    });

    it('counts and finds bits in random byte strings over random ranges as Redis does', async () => {
      const bytes = fc.string({
        unit: fc.constantFrom('\u0000', '\u00ff', '\u0001', '\u0080', '\u00f0', '\u000f', 'a'),
        maxLength: 12,
      });
      const bound = fc.integer({ min: -100, max: 100 }).map(String);
      const query = fc.oneof(
        fc.tuple(bound, bound, bitUnitOrNone).map(([a, b, unit]) => ['BITCOUNT', 'v', a, b, ...unit]),
        fc
          .tuple(fc.constantFrom('0', '1'), bound, bound, bitUnitOrNone, fc.nat(2))
          .map(([bit, a, b, unit, form]) => [
            'BITPOS',
            'v',
            bit,
            ...[a, b, ...unit].slice(0, form === 2 ? 2 + unit.length : form),
          ]),
      );
      await fc.assert(
        fc.asyncProperty(bytes, fc.array(query, { minLength: 1, maxLength: 20 }), async (value, queries) => {
          expect(await firstMismatch(oracle, [['SET', 'v', value], ...queries])).toBeUndefined();
        }),
        { numRuns: 300 },
      );
    });

    it('computes LCS of longer random strings as Redis does', async () => {
      const text = fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'd'), maxLength: 60 });
      await fc.assert(
        fc.asyncProperty(text, text, async (a, b) => {
          const commands = [
            ['MSET', 'a', a, 'b', b],
            ['LCS', 'a', 'b'],
            ['LCS', 'a', 'b', 'IDX', 'WITHMATCHLEN'],
            ['LCS', 'a', 'b', 'IDX', 'MINMATCHLEN', '3'],
          ];
          expect(await firstMismatch(oracle, commands)).toBeUndefined();
        }),
        { numRuns: 150 },
      );
    });
  },
);
