import { MeridianError } from '@meridian/engine';
import fengari, { type JsFunction, type LuaState } from 'fengari';
import {
  type ByteString,
  type FunctionCall,
  type LibraryInfo,
  type Reply,
  ReplyError,
  type ScriptCall,
  type ScriptHost,
  type ScriptRunner,
  sha1Hex,
} from '@meridian/engine';
import { msgpackLibrary, structLibrary } from './binary-libs.js';
import { formatG17, fromLuaBytes, toLuaBytes } from './bytes.js';
import { pushByteString, pushReply, stringField, toReply } from './convert.js';
import { JSON_NULL, bitLibrary, cjsonLibrary, registerTable } from './libs.js';
import { PRELUDE } from './prelude.js';

const { lua, lauxlib, lualib, to_luastring } = fengari;

export interface ScriptRunnerOptions {
  /** Redis's busy-reply-threshold: a script running longer is stopped with an error. Default 5000. */
  readonly busyReplyThresholdMs?: number;
  /** How much a script may grow the heap (as `memoryBytes` measures it) before it is stopped. Default 256 MiB. */
  readonly scriptMemoryBytesMax?: number;
  /** Wall-clock milliseconds for the budget (the simulator may pass its own). Default performance.now. */
  readonly nowMs?: () => number;
  /** Bytes in use, for the memory bound. Default: V8 heap used plus array buffers. */
  readonly memoryBytes?: () => number;
  /** redis.log's destination; default: dropped. */
  readonly log?: (level: number, message: string) => void;
}

/** Lua instructions between two budget checks. */
const HOOK_INSTRUCTIONS = 1000;
/** Budget checks between two memory measurements (a measurement costs microseconds). */
const MEMORY_CHECK_EVERY = 8;
/** Compiled scripts kept; the oldest is dropped past this. */
const COMPILED_SCRIPTS_MAX = 10_000;

const ERR_FIELD = to_luastring('err');
const SOURCE_FIELD = to_luastring('source');
const LINE_FIELD = to_luastring('line');
const SCRIPT_CHUNK = to_luastring('@user_script');
const TEXT_MODE = to_luastring('t');

function defaultMemoryBytes(): number {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

/** Redis 7.0's shebang flags for EVAL scripts (`#!lua flags=no-writes,…`), plus Upstash's `allow-key-locking`. */
const SCRIPT_FLAGS = new Set([
  'no-writes',
  'allow-oom',
  'allow-stale',
  'no-cluster',
  'allow-cross-slot-keys',
  'allow-key-locking',
]);

interface ParsedScript {
  readonly code: Uint8Array;
  readonly readonly: boolean;
}

function parseShebang(body: ByteString): ParsedScript | string {
  if (!body.startsWith('#!')) return { code: toLuaBytes(body), readonly: false };
  const end = body.indexOf('\n');
  const line = body.slice(2, end < 0 ? body.length : end);
  const parts = line.split(' ').filter((part) => part !== '');
  if (parts[0] !== 'lua') return `ERR Could not find engine '${parts[0] ?? ''}'`;
  let readonly = false;
  for (const part of parts.slice(1)) {
    if (!part.startsWith('flags=')) return `ERR Unknown lua shebang option: ${part}`;
    for (const flag of part.slice(6).split(',')) {
      if (flag === '') continue;
      if (!SCRIPT_FLAGS.has(flag)) return `ERR Unexpected flag in script shebang: ${flag}`;
      if (flag === 'no-writes') readonly = true;
    }
  }
  // The shebang line stays a (blank) line so error line numbers match Redis's.
  return { code: toLuaBytes(end < 0 ? '' : body.slice(end)), readonly };
}

/**
 * Runs Redis scripts and functions on fengari (Lua 5.3 in JavaScript, synchronous): one Lua state
 * per node, a fresh read-only global environment per call, and an instruction-count hook that
 * stops a script past its time or memory budget.
 */
export class LuaScriptRunner implements ScriptRunner {
  private L!: LuaState;
  private opened = false;
  private runRef = 0;
  private loadLibraryRef = 0;
  private callFunctionRef = 0;
  private readonly compiled = new Map<string, { ref: number; readonly: boolean }>();
  /** Library name → its code and its compiled functions (recompiled when the code differs, e.g. after a resync). */
  private readonly libraryFunctions = new Map<string, { code: ByteString; refs: Map<string, number> }>();
  private host: ScriptHost | undefined;
  private deadlineMs = Infinity;
  /** The memory measured at the script's first memory check (short scripts never pay for a measurement). */
  private memoryBaseBytes: number | undefined;
  private hookTicks = 0;
  private stopReason: string | undefined;
  private readonly busyReplyThresholdMs: number;
  private readonly scriptMemoryBytesMax: number;
  private readonly nowMs: () => number;
  private readonly memoryBytes: () => number;

  constructor(private readonly options: ScriptRunnerOptions = {}) {
    this.busyReplyThresholdMs = options.busyReplyThresholdMs ?? 5000;
    this.scriptMemoryBytesMax = options.scriptMemoryBytesMax ?? 256 * 1024 * 1024;
    this.nowMs = options.nowMs ?? (() => performance.now());
    this.memoryBytes = options.memoryBytes ?? defaultMemoryBytes;
  }

  /** The Lua state, built on first use (a node that never runs a script never pays for one). */
  private get state(): LuaState {
    if (!this.opened) this.open();
    return this.L;
  }

  /** A fresh Lua state with the sandbox built (again, after a JS error left the old one unusable). */
  private open(): void {
    this.opened = true;
    this.compiled.clear();
    this.libraryFunctions.clear();
    const L = lauxlib.luaL_newstate();
    this.L = L;
    for (const [name, open] of [
      ['_G', lualib.luaopen_base],
      ['table', lualib.luaopen_table],
      ['string', lualib.luaopen_string],
      ['math', lualib.luaopen_math],
      ['coroutine', lualib.luaopen_coroutine],
      ['debug', lualib.luaopen_debug],
    ] as const) {
      lauxlib.luaL_requiref(L, to_luastring(name), open, 1);
      lua.lua_pop(L, 1);
    }
    const status = lauxlib.luaL_loadbufferx(
      L,
      to_luastring(PRELUDE),
      PRELUDE.length,
      to_luastring('=prelude'),
      TEXT_MODE,
    );
    if (status !== lua.LUA_OK)
      throw new MeridianError(
        'MERIDIAN_SCRIPT_PRELUDE_FAILED',
        `script prelude: ${fromLuaBytes(lua.lua_tolstring(L, -1))}`,
      );
    this.pushHost(L);
    lua.lua_call(L, 1, 3);
    this.callFunctionRef = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
    this.loadLibraryRef = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
    this.runRef = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
    lua.lua_settop(L, 0);
  }

  checkScript(body: ByteString): string | undefined {
    const compiled = this.compile(sha1Hex(body), body);
    return typeof compiled === 'string' ? compiled : undefined;
  }

  evalScript(call: ScriptCall): Reply {
    const compiled = this.compile(call.sha, call.body);
    if (typeof compiled === 'string') return new ReplyError(compiled);
    const L = this.state;
    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, this.runRef);
    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, compiled.ref);
    pushStrings(L, call.keys);
    pushStrings(L, call.args);
    return this.invoke(call.host(call.readonlyCommand || compiled.readonly), 3, call.sha);
  }

  parseLibrary(code: ByteString): LibraryInfo | string {
    const L = this.state;
    const libraryName = readLibraryName(code);
    lua.lua_settop(L, 0);
    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, this.loadLibraryRef);
    const newline = code.indexOf('\n');
    pushByteString(L, newline < 0 ? '' : code.slice(newline));
    this.beginBudget(undefined);
    const status = lua.lua_pcall(L, 1, 3, 0);
    this.endBudget();
    try {
      if (status !== lua.LUA_OK) return `ERR Error registering functions: ${errorText(L, -1)}`;
      if (!lua.lua_toboolean(L, 1)) {
        const stage = fromLuaBytes(lua.lua_tolstring(L, 2));
        if (stage === 'compile') return `ERR Error compiling function: ${quoteToken(errorText(L, 3))}`;
        return `ERR Error registering functions: ${errorText(L, 3)}`;
      }
      const functions = [];
      const refs = new Map<string, number>();
      const count = lua.lua_rawlen(L, 2);
      if (count === 0) return 'ERR No functions registered';
      for (let i = 1; i <= count; i++) {
        lua.lua_rawgeti(L, 2, i);
        const name = stringField(L, -1, to_luastring('name')) ?? '';
        const description = stringField(L, -1, to_luastring('description')) ?? null;
        lua.lua_getfield(L, -1, to_luastring('flags'));
        const flags: string[] = [];
        for (let j = 1; j <= lua.lua_rawlen(L, -1); j++) {
          lua.lua_rawgeti(L, -1, j);
          flags.push(fromLuaBytes(lua.lua_tolstring(L, -1)));
          lua.lua_pop(L, 1);
        }
        lua.lua_pop(L, 1);
        lua.lua_getfield(L, -1, to_luastring('fn'));
        refs.set(name, lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX));
        lua.lua_pop(L, 1);
        functions.push({ name, description, flags });
      }
      this.dropLibrary(libraryName);
      this.libraryFunctions.set(libraryName, { code, refs });
      return { name: libraryName, code, functions };
    } finally {
      lua.lua_settop(L, 0);
    }
  }

  callFunction(call: FunctionCall): Reply {
    let compiled = this.libraryFunctions.get(call.library.name);
    if (compiled === undefined || compiled.code !== call.library.code || !compiled.refs.has(call.functionName)) {
      const parsed = this.parseLibrary(call.library.code);
      if (typeof parsed === 'string') return new ReplyError(parsed);
      compiled = this.libraryFunctions.get(call.library.name);
    }
    const ref = compiled?.refs.get(call.functionName);
    if (ref === undefined) return new ReplyError('ERR Function not found');
    const fn = call.library.functions.find((candidate) => candidate.name === call.functionName);
    const L = this.state;
    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, this.callFunctionRef);
    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, ref);
    pushStrings(L, call.keys);
    pushStrings(L, call.args);
    const readonly = call.readonlyCommand || (fn?.flags.includes('no-writes') ?? false);
    return this.invoke(call.host(readonly), 3, call.functionName);
  }

  forget(): void {
    if (!this.opened) return;
    for (const { ref } of this.compiled.values()) lauxlib.luaL_unref(this.L, lua.LUA_REGISTRYINDEX, ref);
    this.compiled.clear();
    for (const name of [...this.libraryFunctions.keys()]) this.dropLibrary(name);
  }

  private dropLibrary(name: string): void {
    const compiled = this.libraryFunctions.get(name);
    if (compiled === undefined) return;
    for (const ref of compiled.refs.values()) lauxlib.luaL_unref(this.L, lua.LUA_REGISTRYINDEX, ref);
    this.libraryFunctions.delete(name);
  }

  private compile(sha: string, body: ByteString): { ref: number; readonly: boolean } | string {
    const known = this.compiled.get(sha);
    if (known !== undefined) return known;
    const parsed = parseShebang(body);
    if (typeof parsed === 'string') return parsed;
    const L = this.state;
    const status = lauxlib.luaL_loadbufferx(L, parsed.code, parsed.code.length, SCRIPT_CHUNK, TEXT_MODE);
    if (status !== lua.LUA_OK) {
      // Lua 5.3 prints some tokens bare where Lua 5.1 (Redis) quotes them: near <eof> → near '<eof>'.
      const message = quoteToken(fromLuaBytes(lua.lua_tolstring(L, -1)));
      lua.lua_settop(L, 0);
      return `ERR Error compiling script (new function): ${message}`;
    }
    if (this.compiled.size >= COMPILED_SCRIPTS_MAX) {
      const oldest = this.compiled.keys().next().value as string;
      lauxlib.luaL_unref(L, lua.LUA_REGISTRYINDEX, this.compiled.get(oldest)?.ref ?? -1);
      this.compiled.delete(oldest);
    }
    const entry = { ref: lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX), readonly: parsed.readonly };
    this.compiled.set(sha, entry);
    return entry;
  }

  /** Calls the prelude function on the stack (it answers ok, result) and turns the outcome into a reply. */
  private invoke(host: ScriptHost, argumentCount: number, sha: string): Reply {
    const L = this.L;
    const outer = this.host;
    this.host = host;
    try {
      this.beginBudget(host);
      const base = lua.lua_gettop(L) - argumentCount - 1;
      const status = lua.lua_pcall(L, argumentCount, 2, 0);
      const stopReason = this.stopReason;
      this.endBudget();
      try {
        if (stopReason !== undefined) return new ReplyError(stopReason);
        if (status !== lua.LUA_OK) return new ReplyError(`ERR ${errorText(L, -1)}`);
        if (lua.lua_toboolean(L, base + 1)) return toReply(L, base + 2);
        return new ReplyError(scriptErrorText(L, base + 2, sha));
      } finally {
        lua.lua_settop(L, base);
      }
    } catch (error) {
      // A JS error escaped the VM (e.g. the JS stack ran out): its state cannot be trusted any more.
      this.endBudget();
      this.open();
      return new ReplyError(`ERR script failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      this.host = outer;
    }
  }

  private beginBudget(host: ScriptHost | undefined): void {
    this.host = host ?? this.host;
    this.deadlineMs = this.nowMs() + this.busyReplyThresholdMs;
    this.memoryBaseBytes = undefined;
    this.hookTicks = 0;
    this.stopReason = undefined;
    lua.lua_sethook(this.L, this.hook, lua.LUA_MASKCOUNT, HOOK_INSTRUCTIONS);
  }

  private endBudget(): void {
    lua.lua_sethook(this.L, null, 0, 0);
    this.stopReason = undefined;
  }

  private readonly hook = (L: LuaState): void => {
    if (this.stopReason === undefined) {
      if (this.nowMs() > this.deadlineMs) {
        this.stopReason = `BUSY Script ran longer than busy-reply-threshold (${this.busyReplyThresholdMs} ms) and was stopped`;
      } else if (++this.hookTicks % MEMORY_CHECK_EVERY === 0) {
        this.checkMemory();
      }
      if (this.stopReason === undefined) return;
      // From now on every instruction raises, so pcall inside the script cannot swallow the stop.
      lua.lua_sethook(L, this.hook, lua.LUA_MASKCOUNT, 1);
    }
    this.raiseStop(L);
  };

  private checkMemory(): void {
    const bytes = this.memoryBytes();
    this.memoryBaseBytes ??= bytes;
    if (bytes - this.memoryBaseBytes > this.scriptMemoryBytesMax) {
      this.stopReason = `OOM Script used more than ${this.scriptMemoryBytesMax} bytes of memory and was stopped`;
    }
  }

  private raiseStop(L: LuaState): never {
    lua.lua_createtable(L, 0, 1);
    pushByteString(L, this.stopReason ?? 'ERR script stopped');
    lua.lua_setfield(L, -2, ERR_FIELD);
    return lua.lua_error(L);
  }

  /** The JS side of the sandbox, handed to the prelude. */
  private pushHost(L: LuaState): void {
    lua.lua_createtable(L, 0, 6);
    registerTable(L, this.redisLibrary());
    for (const [name, value] of [
      ['LOG_DEBUG', 0],
      ['LOG_VERBOSE', 1],
      ['LOG_NOTICE', 2],
      ['LOG_WARNING', 3],
      ['REPL_NONE', 0],
      ['REPL_SLAVE', 1],
      ['REPL_REPLICA', 1],
      ['REPL_AOF', 2],
      ['REPL_ALL', 3],
      ['REDIS_VERSION_NUM', 0x07000f],
    ] as const) {
      lua.lua_pushinteger(L, value);
      lua.lua_setfield(L, -2, to_luastring(name));
    }
    pushByteString(L, '7.0.15');
    lua.lua_setfield(L, -2, to_luastring('REDIS_VERSION'));
    lua.lua_setfield(L, -2, to_luastring('redis'));
    registerTable(L, cjsonLibrary);
    lua.lua_pushlightuserdata(L, JSON_NULL);
    lua.lua_setfield(L, -2, to_luastring('null'));
    lua.lua_setfield(L, -2, to_luastring('cjson'));
    registerTable(L, bitLibrary);
    lua.lua_setfield(L, -2, to_luastring('bit'));
    registerTable(L, structLibrary);
    lua.lua_setfield(L, -2, to_luastring('struct'));
    registerTable(L, msgpackLibrary);
    lua.lua_setfield(L, -2, to_luastring('cmsgpack'));
    lua.lua_pushjsfunction(L, (state) => {
      const bytes = lauxlib.luaL_checknumber(state, 1);
      if (bytes > this.scriptMemoryBytesMax) {
        this.stopReason = `OOM Script used more than ${this.scriptMemoryBytesMax} bytes of memory and was stopped`;
        lua.lua_sethook(state, this.hook, lua.LUA_MASKCOUNT, 1);
        this.raiseStop(state);
      }
      return 0;
    });
    lua.lua_setfield(L, -2, to_luastring('check_size'));
  }

  private redisLibrary(): Record<string, JsFunction> {
    const command =
      (raise: boolean): JsFunction =>
      (L) => {
        const argc = lua.lua_gettop(L);
        if (argc === 0) return raiseErrorTable(L, 'ERR Please specify at least one argument for this redis lib call');
        const argv: ByteString[] = [];
        for (let i = 1; i <= argc; i++) {
          const type = lua.lua_type(L, i);
          if (type === lua.LUA_TSTRING) argv.push(fromLuaBytes(lua.lua_tolstring(L, i)));
          else if (type === lua.LUA_TNUMBER) {
            argv.push(lua.lua_isinteger(L, i) ? String(lua.lua_tointeger(L, i)) : formatG17(lua.lua_tonumber(L, i)));
          } else {
            return raiseErrorTable(L, 'ERR Lua redis lib command arguments must be strings or integers');
          }
        }
        const host = this.host;
        if (host === undefined)
          return raiseErrorTable(L, 'ERR redis.call is not allowed from the library loading context');
        const reply = host.call(argv);
        if (reply instanceof ReplyError && raise) return raiseErrorTable(L, reply.message);
        pushReply(L, reply);
        return 1;
      };
    return {
      call: command(true),
      pcall: command(false),
      error_reply: (L) => {
        const text = fromLuaBytes(lauxlib.luaL_checklstring(L, 1));
        pushErrorTable(L, text.startsWith('-') ? text.slice(1) : text);
        return 1;
      },
      status_reply: (L) => {
        lua.lua_createtable(L, 0, 1);
        lua.lua_pushstring(L, lauxlib.luaL_checklstring(L, 1));
        lua.lua_setfield(L, -2, to_luastring('ok'));
        return 1;
      },
      sha1hex: (L) => {
        if (lua.lua_gettop(L) !== 1) return lauxlib.luaL_error(L, to_luastring('wrong number of arguments'));
        pushByteString(L, sha1Hex(fromLuaBytes(lauxlib.luaL_checklstring(L, 1))));
        return 1;
      },
      log: (L) => {
        const argc = lua.lua_gettop(L);
        if (argc < 2) return lauxlib.luaL_error(L, to_luastring('redis.log() requires two arguments or more.'));
        if (lua.lua_type(L, 1) !== lua.LUA_TNUMBER) {
          return lauxlib.luaL_error(L, to_luastring('First argument must be a number (log level).'));
        }
        const parts: string[] = [];
        for (let i = 2; i <= argc; i++) parts.push(fromLuaBytes(lua.lua_tolstring(L, i) ?? new Uint8Array()));
        this.options.log?.(lua.lua_tointeger(L, 1), parts.join(' '));
        return 0;
      },
      setresp: (L) => {
        if (lua.lua_gettop(L) !== 1)
          return lauxlib.luaL_error(L, to_luastring('redis.setresp() requires one argument.'));
        const version = lauxlib.luaL_checkinteger(L, 1);
        if (version !== 2 && version !== 3) return lauxlib.luaL_error(L, to_luastring('RESP version must be 2 or 3.'));
        if (version === 3)
          return lauxlib.luaL_error(
            L,
            to_luastring('RESP3 is not supported by Meridian scripts; use redis.setresp(2)'),
          );
        return 0;
      },
      set_repl: () => 0,
      replicate_commands: (L) => {
        lua.lua_pushboolean(L, true);
        return 1;
      },
      breakpoint: (L) => {
        lua.lua_pushboolean(L, false);
        return 1;
      },
      debug: () => 0,
    };
  }
}

/** Lua 5.3 prints some tokens bare where Lua 5.1 (Redis) quotes them: near <eof> → near '<eof>'. */
function quoteToken(message: string): string {
  return message.replace(/ near (<[a-z]+>)$/, " near '$1'");
}

function pushStrings(L: LuaState, values: readonly ByteString[]): void {
  lua.lua_createtable(L, values.length, 0);
  for (let i = 0; i < values.length; i++) {
    pushByteString(L, values[i] as ByteString);
    lua.lua_rawseti(L, -2, i + 1);
  }
}

function pushErrorTable(L: LuaState, message: string): void {
  lua.lua_createtable(L, 0, 1);
  pushByteString(L, message);
  lua.lua_setfield(L, -2, ERR_FIELD);
}

function raiseErrorTable(L: LuaState, message: string): never {
  pushErrorTable(L, message);
  return lua.lua_error(L);
}

/** The text of an error value: a string, or a table's `err` field. */
function errorText(L: LuaState, index: number): string {
  const at = lua.lua_absindex(L, index);
  if (lua.lua_type(L, at) === lua.LUA_TTABLE) return stringField(L, at, ERR_FIELD) ?? 'ERR unknown error';
  const native = lua.lua_touserdata(L, at);
  if (native instanceof Error) return `ERR ${native.message}`;
  const bytes = lua.lua_tolstring(L, at);
  return bytes === null || bytes === undefined ? 'ERR internal error while running the script' : fromLuaBytes(bytes);
}

/** Redis 7.0's text for a failed script: the error, then ` script: <sha>, on <source>:<line>.` */
function scriptErrorText(L: LuaState, index: number, sha: string): string {
  const at = lua.lua_absindex(L, index);
  const message = errorText(L, at);
  if (lua.lua_type(L, at) !== lua.LUA_TTABLE) return message;
  const source = stringField(L, at, SOURCE_FIELD);
  lua.lua_getfield(L, at, LINE_FIELD);
  const line = lua.lua_type(L, -1) === lua.LUA_TNUMBER ? lua.lua_tointeger(L, -1) : undefined;
  lua.lua_pop(L, 1);
  if (source === undefined || line === undefined) return `${message} script: ${sha}`;
  return `${message} script: ${sha}, on ${source}:${line}.`;
}

function readLibraryName(code: ByteString): string {
  const end = code.indexOf('\n');
  const match = /name=([^ ]*)/.exec(code.slice(0, end < 0 ? code.length : end));
  return match?.[1] ?? '';
}
