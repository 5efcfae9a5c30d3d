import { describe, expect, it } from 'vitest';
import { digestKeyspace, Engine, type Reply, ReplyError, sha1Hex } from '@meridian/engine';
import { LuaScriptRunner } from '@meridian/script';

function engineWith(runner = new LuaScriptRunner()): Engine {
  return new Engine({ role: 'primary', scriptRunner: runner, random: () => 0.25 });
}

function run(engine: Engine, ...argv: string[]): Reply {
  return engine.execute(argv, 1_000_000).reply;
}

function errorOf(reply: Reply): string {
  expect(reply).toBeInstanceOf(ReplyError);
  return (reply as ReplyError).message;
}

describe('the sandbox', () => {
  const engine = engineWith();
  it.each([
    ['os.execute("true")', "nonexistent global variable 'os'"],
    ['io.write("x")', "nonexistent global variable 'io'"],
    ['require("os")', "nonexistent global variable 'require'"],
    ['debug.sethook()', "nonexistent global variable 'debug'"],
    ['dofile("/etc/passwd")', "nonexistent global variable 'dofile'"],
    ['loadfile("/etc/passwd")', "nonexistent global variable 'loadfile'"],
    ['package.loaded.os = 1', "nonexistent global variable 'package'"],
    ['print("x")', "nonexistent global variable 'print'"],
    ['leak = 1', 'Attempt to modify a readonly table'],
    ['string.leak = 1', 'Attempt to modify a readonly table'],
    ['redis.call = nil', 'Attempt to modify a readonly table'],
    ['rawset(cjson, "leak", 1)', 'Attempt to modify a readonly table'],
    ['setmetatable(string, nil)', 'cannot change a protected metatable'],
    ['getmetatable("").__index.leak = 1', 'attempt to index a boolean value'],
    ['return string.dump(function() end)', "attempt to call a nil value (field 'dump')"],
  ])('%s is refused', (code, message) => {
    expect(errorOf(run(engine, 'EVAL', code, '0'))).toContain(message);
  });

  it('refuses binary chunks in load and loadstring', () => {
    const reply = run(engine, 'EVAL', 'local f, err = load("\\27Lua") return err', '0');
    expect(reply).toContain('attempt to load a binary chunk');
  });

  it('keeps nothing from one call to the next', () => {
    run(engine, 'EVAL', 'local ok = pcall(function() leak = 1 end) return 1', '0');
    expect(errorOf(run(engine, 'EVAL', 'return leak', '0'))).toContain("nonexistent global variable 'leak'");
    // chunks made by load see the same per-call environment, never a shared one
    run(engine, 'EVAL', 'pcall(load("leak2 = 1")) return 1', '0');
    expect(errorOf(run(engine, 'EVAL', 'return leak2', '0'))).toContain("nonexistent global variable 'leak2'");
    expect(run(engine, 'EVAL', 'return KEYS[1]', '1', 'first')).toBe('first');
    expect(run(engine, 'EVAL', 'return KEYS[1]', '0')).toBeNull();
  });
});

describe('pathological scripts', () => {
  it('answer errors, never crash the node, and the runner keeps working', () => {
    const engine = engineWith(new LuaScriptRunner({ busyReplyThresholdMs: 2000 }));
    const deep = "return cjson.decode(string.rep('[', 100000) .. string.rep(']', 100000))";
    expect(errorOf(run(engine, 'EVAL', deep, '0'))).toContain('Found too many nested data structures (1001)');
    const nested = 'local t = {} for i = 1, 50000 do t = {t} end return cjson.encode(t)';
    expect(errorOf(run(engine, 'EVAL', nested, '0'))).toContain('Cannot serialise, excessive nesting (1001)');
    const packed = "return cmsgpack.unpack(string.rep('\\145', 100000) .. '\\1')";
    expect(errorOf(run(engine, 'EVAL', packed, '0'))).toContain('Too many nested data structures in input.');
    expect(Array.isArray(run(engine, 'EVAL', 'local t = {} t[1] = t return t', '0'))).toBe(true);
    expect(run(engine, 'EVAL', "return redis.call('ping')", '0')).toEqual({ value: 'PONG' });
  });
});

describe('the budget', () => {
  it('stops a script past busy-reply-threshold, even one that pcalls its loop, and keeps serving', () => {
    const engine = engineWith(new LuaScriptRunner({ busyReplyThresholdMs: 50 }));
    for (const code of [
      'while true do end',
      'while true do pcall(function() while true do end end) end',
      'local co = coroutine.wrap(function() while true do end end) co()',
    ]) {
      expect(errorOf(run(engine, 'EVAL', code, '0'))).toBe(
        'BUSY Script ran longer than busy-reply-threshold (50 ms) and was stopped',
      );
    }
    expect(run(engine, 'EVAL', "return redis.call('ping')", '0')).toEqual({ value: 'PONG' });
    expect(run(engine, 'INCR', 'after')).toBe(1);
  });

  it('keeps the writes a stopped script made, in the effects too', () => {
    const engine = engineWith(new LuaScriptRunner({ busyReplyThresholdMs: 50 }));
    const result = engine.execute(['EVAL', "redis.call('set', 'before', '1') while true do end", '0'], 1);
    expect(result.reply).toBeInstanceOf(ReplyError);
    expect(result.effects).toContainEqual(['SET', 'before', '1']);
  });

  it('stops a script that allocates more than scriptMemoryBytesMax', () => {
    const engine = engineWith(new LuaScriptRunner({ scriptMemoryBytesMax: 8 * 1024 * 1024 }));
    expect(errorOf(run(engine, 'EVAL', "return #string.rep('x', 100 * 1024 * 1024)", '0'))).toMatch(
      /^OOM Script used more than/,
    );
    const grow = "local t = {} for i = 1, 1e7 do t[i] = string.rep('y', 64) .. i end return #t";
    expect(errorOf(run(engine, 'EVAL', grow, '0'))).toMatch(/^OOM Script used more than/);
    expect(run(engine, 'EVAL', "return #string.rep('x', 1024)", '0')).toBe(1024);
  });
});

describe('replication by effects', () => {
  it("a script's writes are the commands it ran; a replica applying them never runs Lua", () => {
    const primary = engineWith();
    const replica = new Engine({ role: 'replica' });
    const script = [
      "redis.call('sadd', KEYS[1], 'a', 'b', 'c', 'd')",
      "local popped = redis.call('spop', KEYS[1])",
      "redis.call('set', KEYS[2], 'v', 'EX', 100)",
      "redis.call('incrbyfloat', KEYS[3], '1.5')",
      'return popped',
    ].join('\n');
    const result = primary.execute(['EVAL', script, '3', 's', 'k', 'f'], 5_000);
    expect(typeof result.reply).toBe('string');
    expect(result.effects.map((argv) => argv[0]?.toLowerCase())).toEqual(['sadd', 'srem', 'set', 'set', 'script']);
    expect(result.effects[4]).toEqual(['SCRIPT', 'LOAD', script]);
    replica.applyEffects(result.effects, 5_000);
    expect(digestKeyspace(replica.db)).toBe(digestKeyspace(primary.db));
    // the replica knows the script (SCRIPT LOAD travelled), without a runner of its own
    expect(replica.execute(['SCRIPT', 'EXISTS', sha1Hex(script)], 5_001).reply).toEqual([1]);
  });

  it('FUNCTION LOAD travels in the log and the replica can run FCALL_RO', () => {
    const primary = engineWith();
    const replica = new Engine({ role: 'replica', scriptRunner: new LuaScriptRunner() });
    const code =
      "#!lua name=lib\nredis.register_function{function_name='peek', callback=function(keys) return redis.call('get', keys[1]) end, flags={'no-writes'}}";
    const loaded = primary.execute(['FUNCTION', 'LOAD', code], 1);
    const set = primary.execute(['SET', 'k', 'v'], 1);
    replica.applyEffects(loaded.effects, 1);
    replica.applyEffects(set.effects, 1);
    expect(replica.execute(['FCALL_RO', 'peek', '1', 'k'], 2).reply).toBe('v');
    expect(errorOf(replica.execute(['EVAL_RO', "return redis.call('set', 'k', 'w')", '0'], 2).reply)).toContain(
      'Write commands are not allowed from read-only scripts.',
    );
  });
});

describe('FUNCTION DUMP and RESTORE', () => {
  const lib = (name: string, fn: string, value: string): string =>
    `#!lua name=${name}\nredis.register_function{function_name='${fn}', callback=function() return '${value}' end, flags={'no-writes'}}`;

  it('round-trips libraries, with the APPEND, REPLACE and FLUSH policies, and RESTORE reaches replicas', () => {
    const source = engineWith();
    run(source, 'FUNCTION', 'LOAD', lib('alpha', 'a', 'one'));
    run(source, 'FUNCTION', 'LOAD', lib('beta', 'b', 'two'));
    const payload = run(source, 'FUNCTION', 'DUMP') as string;
    expect(typeof payload).toBe('string');

    const target = engineWith();
    const replica = new Engine({ role: 'replica', scriptRunner: new LuaScriptRunner() });
    const restored = target.execute(['FUNCTION', 'RESTORE', payload], 1);
    expect(restored.reply).toEqual(expect.objectContaining({ value: 'OK' }));
    replica.applyEffects(restored.effects, 1);
    for (const engine of [target, replica]) {
      expect(engine.execute(['FCALL_RO', 'a', '0'], 2).reply).toBe('one');
      expect(engine.execute(['FCALL_RO', 'b', '0'], 2).reply).toBe('two');
    }
    // APPEND (the default) refuses a library that exists, and changes nothing.
    expect(errorOf(run(target, 'FUNCTION', 'RESTORE', payload))).toBe('ERR Library alpha already exists');
    // REPLACE takes the dumped version over the one loaded since.
    run(target, 'FUNCTION', 'LOAD', 'REPLACE', lib('alpha', 'a', 'changed'));
    expect(run(target, 'FCALL', 'a', '0')).toBe('changed');
    run(target, 'FUNCTION', 'RESTORE', payload, 'REPLACE');
    expect(run(target, 'FCALL', 'a', '0')).toBe('one');
    // FLUSH drops every library first, the ones not in the payload too.
    run(target, 'FUNCTION', 'LOAD', lib('gamma', 'g', 'three'));
    run(target, 'FUNCTION', 'RESTORE', payload, 'FLUSH');
    expect(errorOf(run(target, 'FCALL', 'g', '0'))).toBe('ERR Function not found');
    expect(run(target, 'FCALL', 'b', '0')).toBe('two');
    expect(errorOf(run(target, 'FUNCTION', 'RESTORE', payload, 'MERGE'))).toBe(
      'ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.',
    );
    expect(errorOf(run(target, 'FUNCTION', 'RESTORE', `${payload.slice(0, -2)}xx`))).toBe(
      'ERR DUMP payload version or checksum are wrong',
    );
  });
});

describe('snapshots', () => {
  it('carry scripts and libraries to a replica that full-resyncs, without changing the keyspace digest', async () => {
    const { dumpKeyspace, loadSnapshotEntry } = await import('@meridian/engine');
    const primary = engineWith();
    primary.execute(['SET', 'k', 'v'], 1);
    primary.execute(['SCRIPT', 'LOAD', 'return 42'], 1);
    const code =
      "#!lua name=snap\nredis.register_function{function_name='read', callback=function(keys) return redis.call('get', keys[1]) end, flags={'no-writes'}}";
    primary.execute(['FUNCTION', 'LOAD', code], 1);
    const replica = new Engine({ role: 'replica', scriptRunner: new LuaScriptRunner() });
    for (const entry of dumpKeyspace(primary.db)) loadSnapshotEntry(replica.db, entry);
    expect(digestKeyspace(replica.db)).toBe(digestKeyspace(primary.db));
    expect(replica.execute(['EVALSHA_RO', sha1Hex('return 42'), '0'], 2).reply).toBe(42);
    expect(replica.execute(['FCALL_RO', 'read', '1', 'k'], 2).reply).toBe('v');
    expect(replica.execute(['DBSIZE'], 2).reply).toBe(1);
  });
});
