import fengari, { type JsFunction, type LuaState } from 'fengari';
import { fromLuaBytes, formatG } from './bytes.js';
import { pushByteString, pushInteger } from './convert.js';

const { lua, lauxlib, to_luastring } = fengari;

/** cjson.null: a light userdata, as in Redis's lua-cjson. */
export const JSON_NULL = { cjsonNull: true };
const NESTING_MAX = 1000;

export function registerTable(L: LuaState, functions: Record<string, JsFunction>): void {
  lua.lua_createtable(L, 0, Object.keys(functions).length);
  for (const [name, fn] of Object.entries(functions)) {
    lua.lua_pushjsfunction(L, fn);
    lua.lua_setfield(L, -2, to_luastring(name));
  }
}

function raise(L: LuaState, message: string): never {
  return lauxlib.luaL_error(L, to_luastring(message));
}

/** Room for a few more values on the Lua stack, or a Lua error (deep structures recurse through it). */
export function ensureStack(L: LuaState): void {
  if (!lua.lua_checkstack(L, 8)) raise(L, 'reached lua stack limit');
}

// ---- bit (LuaBitOp): 32-bit operations, results as signed 32-bit numbers ----

function bitArg(L: LuaState, index: number): number {
  const value = lauxlib.luaL_checknumber(L, index);
  return Number(BigInt.asIntN(32, BigInt(Math.trunc(value) % 2 ** 32)));
}

function bitResult(L: LuaState, value: number): number {
  lua.lua_pushinteger(L, value | 0);
  return 1;
}

function bitFold(op: (a: number, b: number) => number): JsFunction {
  return (L) => {
    let result = bitArg(L, 1);
    for (let i = 2; i <= lua.lua_gettop(L); i++) result = op(result, bitArg(L, i));
    return bitResult(L, result);
  };
}

export const bitLibrary: Record<string, JsFunction> = {
  tobit: (L) => bitResult(L, bitArg(L, 1)),
  bnot: (L) => bitResult(L, ~bitArg(L, 1)),
  band: bitFold((a, b) => a & b),
  bor: bitFold((a, b) => a | b),
  bxor: bitFold((a, b) => a ^ b),
  lshift: (L) => bitResult(L, bitArg(L, 1) << (bitArg(L, 2) & 31)),
  rshift: (L) => bitResult(L, bitArg(L, 1) >>> (bitArg(L, 2) & 31)),
  arshift: (L) => bitResult(L, bitArg(L, 1) >> (bitArg(L, 2) & 31)),
  rol: (L) => {
    const x = bitArg(L, 1);
    const n = bitArg(L, 2) & 31;
    return bitResult(L, (x << n) | (x >>> (32 - n)));
  },
  ror: (L) => {
    const x = bitArg(L, 1);
    const n = bitArg(L, 2) & 31;
    return bitResult(L, (x >>> n) | (x << (32 - n)));
  },
  bswap: (L) => {
    const x = bitArg(L, 1);
    return bitResult(L, ((x >>> 24) & 0xff) | ((x >>> 8) & 0xff00) | ((x & 0xff00) << 8) | ((x & 0xff) << 24));
  },
  tohex: (L) => {
    let x = bitArg(L, 1);
    let n = lua.lua_gettop(L) >= 2 ? bitArg(L, 2) : 8;
    const upper = n < 0;
    if (upper) n = -n;
    if (n > 8) n = 8;
    x = n < 8 ? x & (2 ** (4 * n) - 1) : x;
    let hex = (x >>> 0)
      .toString(16)
      .padStart(8, '0')
      .slice(8 - n);
    if (upper) hex = hex.toUpperCase();
    pushByteString(L, hex);
    return 1;
  },
};

// ---- cjson ----

const ESCAPES: Record<number, string> = {
  8: '\\b',
  9: '\\t',
  10: '\\n',
  12: '\\f',
  13: '\\r',
  34: '\\"',
  47: '\\/',
  92: '\\\\',
};

function encodeString(bytes: Uint8Array): string {
  let out = '"';
  for (const byte of bytes) {
    const escape = ESCAPES[byte];
    if (escape !== undefined) out += escape;
    else if (byte < 32) out += `\\u${byte.toString(16).padStart(4, '0')}`;
    else out += String.fromCharCode(byte);
  }
  return `${out}"`;
}

function encodeNumber(L: LuaState, index: number): string {
  const value = lua.lua_tonumber(L, index);
  if (!Number.isFinite(value)) raise(L, 'Cannot serialise number: must not be NaN or Inf');
  return formatG(value, 14);
}

/** The array length of the table at `index` when its keys are all positive integers, else -1. */
function arrayLength(L: LuaState, index: number): number {
  let max = 0;
  let items = 0;
  lua.lua_pushnil(L);
  while (lua.lua_next(L, index)) {
    lua.lua_pop(L, 1);
    const key = lua.lua_type(L, -1) === lua.LUA_TNUMBER ? lua.lua_tonumber(L, -1) : NaN;
    if (!Number.isInteger(key) || key < 1) {
      lua.lua_pop(L, 1);
      return -1;
    }
    max = Math.max(max, key);
    items++;
  }
  if (max > 10 && max > items * 2) raise(L, 'Cannot serialise table: excessively sparse array');
  return max;
}

function encodeValue(L: LuaState, index: number, depth: number): string {
  const at = lua.lua_absindex(L, index);
  const type = lua.lua_type(L, at);
  if (type === lua.LUA_TSTRING) return encodeString(lua.lua_tolstring(L, at));
  if (type === lua.LUA_TNUMBER) return encodeNumber(L, at);
  if (type === lua.LUA_TBOOLEAN) return lua.lua_toboolean(L, at) ? 'true' : 'false';
  if (type === lua.LUA_TNIL) return 'null';
  if (type === lua.LUA_TLIGHTUSERDATA && lua.lua_touserdata(L, at) === JSON_NULL) return 'null';
  if (type !== lua.LUA_TTABLE) {
    const typeName = fromLuaBytes(lua.lua_tolstring(L, at) ?? new Uint8Array()).split(':')[0] ?? 'value';
    return raise(L, `Cannot serialise ${typeName}: type not supported`);
  }
  if (depth >= NESTING_MAX) raise(L, `Cannot serialise, excessive nesting (${depth + 1})`);
  ensureStack(L);
  const length = arrayLength(L, at);
  if (length > 0) {
    const parts: string[] = [];
    for (let i = 1; i <= length; i++) {
      lua.lua_rawgeti(L, at, i);
      parts.push(encodeValue(L, -1, depth + 1));
      lua.lua_pop(L, 1);
    }
    return `[${parts.join(',')}]`;
  }
  const parts: string[] = [];
  lua.lua_pushnil(L);
  while (lua.lua_next(L, at)) {
    const keyType = lua.lua_type(L, -2);
    let key: string;
    if (keyType === lua.LUA_TSTRING) key = encodeString(lua.lua_tolstring(L, -2));
    else if (keyType === lua.LUA_TNUMBER) key = `"${encodeNumber(L, -2)}"`;
    else return raise(L, 'Cannot serialise table: table key must be a number or string');
    parts.push(`${key}:${encodeValue(L, -1, depth + 1)}`);
    lua.lua_pop(L, 1);
  }
  return `{${parts.join(',')}}`;
}

function pushJson(L: LuaState, value: unknown, depth = 0): void {
  if (depth >= NESTING_MAX) raise(L, `Found too many nested data structures (${depth + 1}) at character 1`);
  ensureStack(L);
  if (value === null) lua.lua_pushlightuserdata(L, JSON_NULL);
  else if (typeof value === 'boolean') lua.lua_pushboolean(L, value);
  else if (typeof value === 'number') {
    if (Number.isInteger(value)) pushInteger(L, value);
    else lua.lua_pushnumber(L, value);
  } else if (typeof value === 'string') lua.lua_pushstring(L, new Uint8Array(Buffer.from(value, 'utf8')));
  else if (Array.isArray(value)) {
    lua.lua_createtable(L, value.length, 0);
    value.forEach((item, i) => {
      pushJson(L, item, depth + 1);
      lua.lua_rawseti(L, -2, i + 1);
    });
  } else {
    const entries = Object.entries(value as Record<string, unknown>);
    lua.lua_createtable(L, 0, entries.length);
    for (const [key, item] of entries) {
      lua.lua_pushstring(L, new Uint8Array(Buffer.from(key, 'utf8')));
      pushJson(L, item, depth + 1);
      lua.lua_rawset(L, -3);
    }
  }
}

export const cjsonLibrary: Record<string, JsFunction> = {
  encode: (L) => {
    if (lua.lua_gettop(L) !== 1) raise(L, "bad argument #1 to 'encode' (expected 1 argument)");
    pushByteString(L, encodeValue(L, 1, 0));
    return 1;
  },
  decode: (L) => {
    const text = Buffer.from(lauxlib.luaL_checklstring(L, 1)).toString('utf8');
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return raise(L, 'Expected value but found invalid token at character 1');
    }
    pushJson(L, value);
    return 1;
  },
};
