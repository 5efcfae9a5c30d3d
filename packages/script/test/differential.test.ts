import { describe, expect, it } from 'vitest';
import { Engine } from '@meridian/engine';
import { LuaScriptRunner } from '@meridian/script';
import { firstMismatch, type Mismatch } from '../../../test/support/differential.js';
import { type Oracle, oracleWanted, withOracle } from '../../../test/support/oracle.js';

/**
 * The same scripts against our engine (Lua on fengari) and redis-server 7.0: every reply and error
 * text must be equal — conversions both ways, the redis.* API, cjson and bit, errors with their
 * line, the sandbox's refusals, SCRIPT and FUNCTION.
 */
const makeEngine = (): Engine => new Engine({ role: 'primary', scriptRunner: new LuaScriptRunner() });
const fresh: string[][] = [
  ['SCRIPT', 'FLUSH'],
  ['FUNCTION', 'FLUSH'],
];

const evalCases: string[][] = [
  // Lua → Redis conversions
  ['EVAL', 'return 1', '0'],
  ['EVAL', 'return 3.99', '0'],
  ['EVAL', 'return -3.99', '0'],
  ['EVAL', "return 'hello'", '0'],
  ['EVAL', 'return true', '0'],
  ['EVAL', 'return false', '0'],
  ['EVAL', 'return nil', '0'],
  ['EVAL', "return {1, 2.7, 'x', false, 'after-nil'}", '0'],
  ['EVAL', "return {1, 2, {3, 'four', {5}}}", '0'],
  ['EVAL', "return {ok = 'FINE'}", '0'],
  ['EVAL', "return {err = 'MYERR custom'}", '0'],
  ['EVAL', "return {1, {err = 'E nested'}, {ok = 'S'}}", '0'],
  ['EVAL', "return redis.status_reply('DONE')", '0'],
  ['EVAL', "return redis.error_reply('MY Error')", '0'],
  ['EVAL', "return redis.error_reply('-MY Error')", '0'],
  ['EVAL', 'return {}', '0'],
  ['EVAL', 'return 0/0', '0'],
  ['EVAL', 'return math.huge', '0'],
  ['EVAL', 'return 2^53', '0'],
  // KEYS and ARGV
  ['EVAL', 'return {KEYS[1], KEYS[2], ARGV[1], ARGV[2], #KEYS, #ARGV}', '2', 'k1', 'k2', 'a1', 'a2'],
  ['EVAL', 'return ARGV', '0', 'x', 'y', 'z'],
  ['EVAL', 'return KEYS', '3', 'x', 'y', 'z'],
  // Redis → Lua conversions
  ['EVAL', "redis.call('set', 'k', 'v') return redis.call('get', 'k')", '0'],
  ['EVAL', "return type(redis.call('get', 'missing'))", '0'],
  ['EVAL', "return tostring(redis.call('get', 'missing'))", '0'],
  ['EVAL', "return redis.call('incrby', 'n', 5)", '0'],
  ['EVAL', "return type(redis.call('incr', 'n2'))", '0'],
  ['EVAL', "return redis.call('set', 'k', 'v')", '0'],
  ['EVAL', "local r = redis.call('set', 'k', 'v') return r.ok", '0'],
  ['EVAL', "redis.call('rpush', 'l', 'a', 'b', 'c') return redis.call('lrange', 'l', 0, -1)", '0'],
  ['EVAL', "redis.call('hset', 'h', 'f', 1) return redis.call('hgetall', 'h')", '0'],
  ['EVAL', "local r = redis.pcall('incr', 'notanumber-key') return type(r)", '0'],
  ['EVAL', "redis.call('set', 's', 'abc') local r = redis.pcall('incr', 's') return r.err", '0'],
  ['EVAL', "redis.call('set', 's', 'abc') return redis.pcall('incr', 's')", '0'],
  ['EVAL', "redis.call('set', 'k', 0.1) return redis.call('get', 'k')", '0'],
  ['EVAL', "redis.call('set', 'k', 12345678) return redis.call('get', 'k')", '0'],
  ['EVAL', "redis.call('set', 'k', 1.5e20) return redis.call('get', 'k')", '0'],
  ['EVAL', "redis.call('set', 'k', 10/4) return redis.call('get', 'k')", '0'],
  // errors, with their line
  ['EVAL', "return redis.call('nosuch')", '0'],
  ['EVAL', "return redis.pcall('nosuch')", '0'],
  ['EVAL', "return redis.call('get')", '0'],
  ['EVAL', "return redis.call('set', 'k', {})", '0'],
  ['EVAL', 'return redis.call()', '0'],
  ['EVAL', "local x = 1\nerror('boom')", '0'],
  ['EVAL', "\n\nredis.call('set', 's', 'abc')\nreturn redis.call('incr', 's')", '0'],
  ['EVAL', "return redis.call('eval', 'return 1', 0)", '0'],
  ['EVAL', "return redis.call('script', 'flush')", '0'],
  ['EVAL', 'return foo(', '0'],
  ['EVAL', 'return 1 +', '0'],
  ['EVAL', 'return 1', 'x'],
  ['EVAL', 'return 1', '-1'],
  ['EVAL', 'return 1', '2', 'a'],
  ['EVAL', 'return 1'],
  ['EVAL_RO', "return redis.call('set', 'a', 'b')", '0'],
  ['EVAL_RO', "return redis.call('get', 'a')", '0'],
  ['EVAL', "#!lua flags=no-writes\nreturn redis.call('set', 'a', 'b')", '0'],
  ['EVAL', '#!lua\nreturn 1', '0'],
  ['EVAL', '#!lua flags=bogus\nreturn 1', '0'],
  ['EVAL', '#!lua\nerror("on line two")', '0'],
  // the sandbox
  ['EVAL', 'x = 1', '0'],
  ['EVAL', 'return undefinedvar', '0'],
  ['EVAL', 'return os.time()', '0'],
  ['EVAL', "return io.open('/etc/passwd')", '0'],
  ['EVAL', "return require('os')", '0'],
  ['EVAL', 'return debug.getinfo(1)', '0'],
  ['EVAL', 'return dofile("/etc/passwd")', '0'],
  ['EVAL', 'return loadfile("/etc/passwd")', '0'],
  ['EVAL', 'string.foo = 1 return 1', '0'],
  ['EVAL', 'redis.call = nil return 1', '0'],
  ['EVAL', 'table.insert = nil return 1', '0'],
  ['EVAL', "rawset(_G, 'z', 1) return 1", '0'],
  ['EVAL', 'return _G.nothing', '0'],
  ['EVAL', 'return {type(loadstring), type(unpack), type(coroutine), type(pcall), type(cjson), type(bit)}', '0'],
  ['EVAL', 'return select("#", unpack({1, 2, 3}))', '0'],
  ['EVAL', 'return loadstring("return 7")()', '0'],
  ['EVAL', 'return redis.sha1hex("")', '0'],
  ['EVAL', 'return redis.sha1hex("Pizza & Mandolino")', '0'],
  ['EVAL', 'return redis.setresp(2)', '0'],
  ['EVAL', "return redis.log(redis.LOG_WARNING, 'hello')", '0'],
  ['EVAL', 'return {redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING}', '0'],
  // libraries
  ['EVAL', "return cjson.encode({1, 2, 'three'})", '0'],
  ['EVAL', "return cjson.encode({name = 'x'})", '0'],
  ['EVAL', 'return cjson.encode({})', '0'],
  ['EVAL', "return cjson.encode('a/b\"c\\n')", '0'],
  ['EVAL', 'return cjson.encode(3.25)', '0'],
  ['EVAL', 'return cjson.encode({[1] = 1, [20] = 2})', '0'],
  ['EVAL', 'local t = cjson.decode(\'[1,2,{"a":"b"}]\') return {t[1], t[2], t[3].a}', '0'],
  ['EVAL', 'return cjson.decode(\'{"n":null}\').n == cjson.null', '0'],
  ['EVAL', 'return cjson.decode(\'"\\\\u00e9"\')', '0'],
  ['EVAL', 'return {bit.band(0xff, 0x0f), bit.bor(1, 2, 4), bit.bxor(5, 1), bit.bnot(0)}', '0'],
  ['EVAL', 'return {bit.lshift(1, 31), bit.rshift(-1, 28), bit.arshift(-256, 4), bit.tobit(2^32 + 5)}', '0'],
  ['EVAL', 'return {bit.tohex(255), bit.tohex(255, -4), bit.tohex(-1), bit.rol(1, 33), bit.bswap(0x01020304)}', '0'],
  ['EVAL', "return string.format('%d %s %5.2f', 42, 'str', 3.14159)", '0'],
  ['EVAL', "return string.rep('ab', 3)", '0'],
  ['EVAL', 'return math.floor(7.9) + math.max(1, 5)', '0'],
  ['EVAL', 'return table.concat({1, 2, 3}, ",")', '0'],
  ['EVAL', 'return table.getn({1, 2, 3})', '0'],
  ['EVAL', 'return tonumber("0x10")', '0'],
  ['EVAL', "return cmsgpack.pack({1, 2, 'three', true, false}, 300, -5, -200, 70000, 'x')", '0'],
  ['EVAL', 'return cmsgpack.pack({a = 1})', '0'],
  ['EVAL', 'return cmsgpack.pack(1.5, 0.1, 2^40, -2^40)', '0'],
  ['EVAL', "return cmsgpack.pack(string.rep('s', 40), string.rep('t', 300))", '0'],
  ['EVAL', "return {cmsgpack.unpack(cmsgpack.pack({1, {2, 'x'}}, 7, 'y'))}", '0'],
  ['EVAL', "local t = cmsgpack.unpack(cmsgpack.pack({k = 'v'})) return t.k", '0'],
  ['EVAL', "return struct.pack('>I2i4bB', 258, -2, -1, 255)", '0'],
  ['EVAL', "return struct.pack('<hHlL', -2, 65535, -3, 7)", '0'],
  ['EVAL', "return struct.pack('>d', 1.5)", '0'],
  ['EVAL', "return struct.pack('s c3', 'zero', 'abcdef')", '0'],
  ['EVAL', "return {struct.unpack('>I2i4', struct.pack('>I2i4', 258, -2))}", '0'],
  ['EVAL', "return {struct.unpack('<s', struct.pack('<s', 'str'))}", '0'],
  ['EVAL', "return struct.size('>I2i4bBd')", '0'],
];

const scriptCases: string[][][] = [
  [
    ['SCRIPT', 'LOAD', 'return 1'],
    ['SCRIPT', 'EXISTS', 'e0e1f9fabfc9d4800c877a703b823ac0578ff8db', 'ffff'],
    ['EVALSHA', 'e0e1f9fabfc9d4800c877a703b823ac0578ff8db', '0'],
  ],
  [['EVALSHA', 'ffffffffffffffffffffffffffffffffffffffff', '0']],
  [['EVALSHA', 'short', '0']],
  [['EVALSHA_RO', 'e0e1f9fabfc9d4800c877a703b823ac0578ff8db', '0']],
  [
    ['EVAL', 'return 2', '0'],
    ['SCRIPT', 'EXISTS', '7f923f79fe76194c868d7e1d0820de36700eb649'],
    ['EVALSHA', '7F923F79FE76194C868D7E1D0820DE36700EB649', '0'],
  ],
  [
    ['SCRIPT', 'LOAD', 'return ('],
    ['SCRIPT', 'LOAD'],
    ['SCRIPT', 'FLUSH', 'ASYNC'],
    ['SCRIPT', 'FLUSH', 'bad'],
    ['SCRIPT', 'KILL'],
    ['SCRIPT', 'NOPE'],
  ],
  [
    ['SCRIPT', 'LOAD', 'return 3'],
    ['SCRIPT', 'FLUSH'],
    ['SCRIPT', 'EXISTS', 'a9b6689bf0d2962188a5fb8f2502e8de5a19fc26'],
  ],
];

const LIB =
  "#!lua name=mylib\nredis.register_function('incrit', function(keys, args) return redis.call('incrby', keys[1], args[1]) end)\nredis.register_function{function_name='getit', callback=function(keys) return redis.call('get', keys[1]) end, flags={'no-writes'}, description='reads'}";
const functionCases: string[][][] = [
  [
    ['FUNCTION', 'LOAD', LIB],
    ['FCALL', 'incrit', '1', 'c', '5'],
    ['FCALL', 'incrit', '1', 'c', '2'],
    ['FCALL_RO', 'getit', '1', 'c'],
    ['FCALL_RO', 'incrit', '1', 'c', '1'],
    ['FUNCTION', 'LIST'],
    ['FUNCTION', 'LIST', 'WITHCODE'],
    ['FUNCTION', 'LIST', 'LIBRARYNAME', 'my*'],
    ['FUNCTION', 'LIST', 'LIBRARYNAME', 'x*'],
    ['FUNCTION', 'STATS'],
  ],
  [
    ['FUNCTION', 'LOAD', LIB],
    ['FUNCTION', 'LOAD', LIB],
    ['FUNCTION', 'LOAD', 'REPLACE', LIB],
    ['FUNCTION', 'DELETE', 'mylib'],
    ['FUNCTION', 'DELETE', 'mylib'],
    ['FCALL', 'incrit', '1', 'c', '5'],
  ],
  [
    ['FUNCTION', 'LOAD', 'return 1'],
    ['FUNCTION', 'LOAD', '#!lua name=empty\nlocal x = 1'],
    ['FUNCTION', 'LOAD', '#!lua\nredis.register_function("f", function() return 1 end)'],
    ['FUNCTION', 'LOAD', '#!nope name=x\nreturn 1'],
    ['FUNCTION', 'LOAD', '#!lua name=bad\nreturn ('],
  ],
  [
    ['FUNCTION', 'LOAD', "#!lua name=a\nredis.register_function('f', function() return 1 end)"],
    ['FUNCTION', 'LOAD', "#!lua name=b\nredis.register_function('f', function() return 2 end)"],
    ['FCALL', 'f', '0'],
    ['FCALL', 'nope', '0'],
    ['FCALL', 'f', 'x'],
  ],
  [
    [
      'FUNCTION',
      'LOAD',
      "#!lua name=e\nredis.register_function('boom', function() error('bad') end)\nredis.register_function('ro', function() return redis.call('set','x','y') end)",
    ],
    ['FCALL', 'boom', '0'],
    ['FCALL_RO', 'ro', '0'],
  ],
  [
    ['FUNCTION', 'FLUSH'],
    ['FUNCTION', 'FLUSH', 'SYNC'],
    ['FUNCTION', 'KILL'],
    ['FUNCTION', 'NOPE'],
    ['FUNCTION', 'RESTORE', 'garbage'],
    ['FCALL'],
  ],
];

/** Redis lists a library's functions in its dict's (seeded, per-process) order: compare them sorted by name. */
function sortFunctions(argv: readonly string[], reply: unknown): unknown {
  if (argv[0] !== 'FUNCTION' || argv[1] !== 'LIST' || !Array.isArray(reply)) return reply;
  return reply.map((library: unknown) => {
    if (!Array.isArray(library)) return library;
    const at = library.indexOf('functions') + 1;
    const functions = library[at] as unknown[][];
    const sorted = [...functions].sort((a, b) => String(a[1]).localeCompare(String(b[1])));
    return [...library.slice(0, at), sorted, ...library.slice(at + 1)];
  });
}

async function mismatches(oracle: Oracle, cases: readonly (readonly string[][])[]): Promise<Mismatch[]> {
  const found: Mismatch[] = [];
  for (const commands of cases) {
    const mismatch = await firstMismatch(oracle, [...fresh, ...commands], sortFunctions, makeEngine);
    if (mismatch !== undefined) found.push(mismatch);
  }
  return found;
}

describe.runIf(oracleWanted())('scripting against redis-server', () => {
  let oracle: Oracle;
  withOracle((started) => (oracle = started));

  it('EVAL: conversions, redis.* API, errors, sandbox and libraries', async () => {
    expect(
      await mismatches(
        oracle,
        evalCases.map((argv) => [argv]),
      ),
    ).toEqual([]);
  });

  it('SCRIPT LOAD/EXISTS/FLUSH and EVALSHA', async () => {
    expect(await mismatches(oracle, scriptCases)).toEqual([]);
  });

  it('FUNCTION LOAD/LIST/DELETE/FLUSH/STATS and FCALL/FCALL_RO', async () => {
    expect(await mismatches(oracle, functionCases)).toEqual([]);
  });
});
