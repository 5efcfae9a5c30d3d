import fengari, { type JsFunction, type LuaState } from 'fengari';
import { pushInteger } from './convert.js';
import { ensureStack } from './libs.js';

const { lua, lauxlib, to_luastring } = fengari;

function raise(L: LuaState, message: string): never {
  return lauxlib.luaL_error(L, to_luastring(message));
}

/** A growable byte buffer. */
class Bytes {
  private buffer = new Uint8Array(64);
  length = 0;

  private reserve(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    const next = new Uint8Array(Math.max(this.buffer.length * 2, this.length + extra));
    next.set(this.buffer.subarray(0, this.length));
    this.buffer = next;
  }

  byte(value: number): void {
    this.reserve(1);
    this.buffer[this.length++] = value & 0xff;
  }

  bytes(values: Uint8Array): void {
    this.reserve(values.length);
    this.buffer.set(values, this.length);
    this.length += values.length;
  }

  /** `size` bytes of the integer `value` (two's complement), big- or little-endian. */
  integer(value: bigint, size: number, bigEndian: boolean): void {
    const out = new Uint8Array(size);
    let v = BigInt.asUintN(size * 8, value);
    for (let i = 0; i < size; i++) {
      out[bigEndian ? size - 1 - i : i] = Number(v & 0xffn);
      v >>= 8n;
    }
    this.bytes(out);
  }

  float(value: number, size: 4 | 8, bigEndian: boolean): void {
    const view = new DataView(new ArrayBuffer(size));
    if (size === 4) view.setFloat32(0, value, !bigEndian);
    else view.setFloat64(0, value, !bigEndian);
    this.bytes(new Uint8Array(view.buffer));
  }

  done(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}

function readInteger(bytes: Uint8Array, at: number, size: number, bigEndian: boolean, signed: boolean): bigint {
  let v = 0n;
  for (let i = 0; i < size; i++) v = (v << 8n) | BigInt(bytes[bigEndian ? at + i : at + size - 1 - i] ?? 0);
  return signed ? BigInt.asIntN(size * 8, v) : v;
}

function readFloat(bytes: Uint8Array, at: number, size: 4 | 8, bigEndian: boolean): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, size);
  return size === 4 ? view.getFloat32(0, !bigEndian) : view.getFloat64(0, !bigEndian);
}

function pushBig(L: LuaState, value: bigint): void {
  const n = Number(value);
  if (Number.isSafeInteger(n)) pushInteger(L, n);
  else lua.lua_pushnumber(L, n);
}

// ---- struct (Roberto Ierusalimschy's library, as Redis ships it) ----

interface StructItem {
  readonly code: string;
  readonly size: number;
}

function parseStruct(L: LuaState, format: string): { items: StructItem[]; bigEndian: boolean[] } {
  const items: StructItem[] = [];
  const bigEndian: boolean[] = [];
  let big = false;
  for (let i = 0; i < format.length; i++) {
    const code = format[i] as string;
    let digits = '';
    while (i + 1 < format.length && /[0-9]/.test(format[i + 1] as string)) digits += format[++i];
    const n = digits === '' ? undefined : Number(digits);
    switch (code) {
      case ' ':
        continue;
      case '>':
        big = true;
        continue;
      case '<':
      case '=':
        big = false;
        continue;
      case '!':
        continue;
      case 'b':
      case 'B':
      case 'x':
        items.push({ code, size: 1 });
        break;
      case 'h':
      case 'H':
        items.push({ code, size: 2 });
        break;
      case 'l':
      case 'L':
      case 'T':
        items.push({ code, size: 8 });
        break;
      case 'i':
      case 'I': {
        const size = n ?? 4;
        if (size < 1 || size > 8) raise(L, `integral size ${size} is larger than limit of 8`);
        items.push({ code, size });
        break;
      }
      case 'f':
        items.push({ code, size: 4 });
        break;
      case 'd':
        items.push({ code, size: 8 });
        break;
      case 's':
        items.push({ code, size: 0 });
        break;
      case 'c':
        items.push({ code, size: n ?? 1 });
        break;
      default:
        raise(L, `invalid format option '${code}'`);
    }
    bigEndian.push(big);
  }
  return { items, bigEndian };
}

const SIGNED = new Set(['b', 'h', 'l', 'i']);

export const structLibrary: Record<string, JsFunction> = {
  pack: (L) => {
    const format = Buffer.from(lauxlib.luaL_checklstring(L, 1)).toString('latin1');
    const { items, bigEndian } = parseStruct(L, format);
    const out = new Bytes();
    let arg = 2;
    items.forEach((item, index) => {
      const big = bigEndian[index] ?? false;
      switch (item.code) {
        case 'x':
          out.byte(0);
          return;
        case 'f':
        case 'd':
          out.float(lauxlib.luaL_checknumber(L, arg++), item.size as 4 | 8, big);
          return;
        case 's':
        case 'c': {
          const text = lauxlib.luaL_checklstring(L, arg++);
          if (item.code === 's') {
            out.bytes(text);
            out.byte(0);
          } else {
            if (text.length < item.size) raise(L, 'string too short');
            out.bytes(text.subarray(0, item.size));
          }
          return;
        }
        default:
          out.integer(BigInt(Math.trunc(lauxlib.luaL_checknumber(L, arg++))), item.size, big);
      }
    });
    lua.lua_pushstring(L, out.done());
    return 1;
  },
  unpack: (L) => {
    const format = Buffer.from(lauxlib.luaL_checklstring(L, 1)).toString('latin1');
    const data = lauxlib.luaL_checklstring(L, 2);
    let at = lua.lua_gettop(L) >= 3 ? lauxlib.luaL_checkinteger(L, 3) - 1 : 0;
    const { items, bigEndian } = parseStruct(L, format);
    let pushed = 0;
    items.forEach((item, index) => {
      const big = bigEndian[index] ?? false;
      if (item.code === 's') {
        let end = at;
        while (end < data.length && data[end] !== 0) end++;
        if (end >= data.length) raise(L, 'unfinished string in data');
        lua.lua_pushstring(L, data.slice(at, end));
        pushed++;
        at = end + 1;
        return;
      }
      if (at + item.size > data.length) raise(L, 'data string too short');
      if (item.code === 'c') lua.lua_pushstring(L, data.slice(at, at + item.size));
      else if (item.code === 'f' || item.code === 'd')
        lua.lua_pushnumber(L, readFloat(data, at, item.size as 4 | 8, big));
      else if (item.code !== 'x') pushBig(L, readInteger(data, at, item.size, big, SIGNED.has(item.code)));
      if (item.code !== 'x') pushed++;
      at += item.size;
    });
    lua.lua_pushinteger(L, at + 1);
    return pushed + 1;
  },
  size: (L) => {
    const format = Buffer.from(lauxlib.luaL_checklstring(L, 1)).toString('latin1');
    const { items } = parseStruct(L, format);
    if (items.some((item) => item.code === 's')) raise(L, "options 'c0' - 's' have undefined sizes");
    lua.lua_pushinteger(
      L,
      items.reduce((sum, item) => sum + item.size, 0),
    );
    return 1;
  },
};

// ---- cmsgpack (lua-cmsgpack, as Redis ships it) ----

const MSGPACK_NESTING_MAX = 16;

/** A type byte followed by `size` big-endian bytes of `value`. */
function tagged(out: Bytes, code: number, value: bigint, size: number): void {
  out.byte(code);
  out.integer(value, size, true);
}

function packInteger(out: Bytes, value: number): void {
  const v = BigInt(value);
  if (value >= 0 && value < 128) out.byte(value);
  else if (value >= 0) {
    if (value < 256) tagged(out, 0xcc, v, 1);
    else if (value < 65536) tagged(out, 0xcd, v, 2);
    else if (value < 4294967296) tagged(out, 0xce, v, 4);
    else tagged(out, 0xcf, v, 8);
  } else if (value >= -32) out.byte(value & 0xff);
  else if (value >= -128) tagged(out, 0xd0, v, 1);
  else if (value >= -32768) tagged(out, 0xd1, v, 2);
  else if (value >= -2147483648) tagged(out, 0xd2, v, 4);
  else tagged(out, 0xd3, v, 8);
}

/** A length header: the fix form below `fixMax`, else 8-bit (strings only), 16-bit or 32-bit. */
function packLength(out: Bytes, length: number, fix: number, fixMax: number, codes: readonly number[]): void {
  const n = BigInt(length);
  if (length < fixMax) out.byte(fix | length);
  else if (codes.length === 3 && length < 256) tagged(out, codes[0] as number, n, 1);
  else if (length < 65536) tagged(out, codes[codes.length - 2] as number, n, 2);
  else tagged(out, codes[codes.length - 1] as number, n, 4);
}

/** The array length of the table at `index` when its keys are exactly 1..n, else -1. */
function sequenceLength(L: LuaState, index: number): number {
  let count = 0;
  let max = 0;
  lua.lua_pushnil(L);
  while (lua.lua_next(L, index)) {
    lua.lua_pop(L, 1);
    const key = lua.lua_type(L, -1) === lua.LUA_TNUMBER ? lua.lua_tonumber(L, -1) : NaN;
    if (!Number.isInteger(key) || key < 1) {
      lua.lua_pop(L, 1);
      return -1;
    }
    count++;
    max = Math.max(max, key);
  }
  return max === count ? count : -1;
}

function packValue(L: LuaState, out: Bytes, index: number, depth: number): void {
  ensureStack(L);
  const at = lua.lua_absindex(L, index);
  const type = lua.lua_type(L, at);
  if (type === lua.LUA_TSTRING) {
    const bytes = lua.lua_tolstring(L, at);
    packLength(out, bytes.length, 0xa0, 32, [0xd9, 0xda, 0xdb]);
    out.bytes(bytes);
  } else if (type === lua.LUA_TNUMBER) {
    const value = lua.lua_tonumber(L, at);
    if (Number.isInteger(value) && Math.abs(value) < 2 ** 63) packInteger(out, value);
    else {
      const single = Math.fround(value) === value;
      out.byte(single ? 0xca : 0xcb);
      out.float(value, single ? 4 : 8, true);
    }
  } else if (type === lua.LUA_TBOOLEAN) out.byte(lua.lua_toboolean(L, at) ? 0xc3 : 0xc2);
  else if (type === lua.LUA_TTABLE && depth < MSGPACK_NESTING_MAX) {
    const length = sequenceLength(L, at);
    if (length >= 0) {
      packLength(out, length, 0x90, 16, [0xdc, 0xdd]);
      for (let i = 1; i <= length; i++) {
        lua.lua_rawgeti(L, at, i);
        packValue(L, out, -1, depth + 1);
        lua.lua_pop(L, 1);
      }
    } else {
      let count = 0;
      lua.lua_pushnil(L);
      while (lua.lua_next(L, at)) {
        count++;
        lua.lua_pop(L, 1);
      }
      packLength(out, count, 0x80, 16, [0xde, 0xdf]);
      lua.lua_pushnil(L);
      while (lua.lua_next(L, at)) {
        packValue(L, out, -2, depth + 1);
        packValue(L, out, -1, depth + 1);
        lua.lua_pop(L, 1);
      }
    }
  } else out.byte(0xc0);
}

/** Nesting deeper than this in cmsgpack.unpack is refused (the decoder recurses). */
const MSGPACK_UNPACK_DEPTH_MAX = 1000;

function unpackValue(L: LuaState, data: Uint8Array, start: number, depth = 0): number {
  if (depth >= MSGPACK_UNPACK_DEPTH_MAX) raise(L, 'Too many nested data structures in input.');
  ensureStack(L);
  let at = start;
  const need = (n: number): void => {
    if (at + n > data.length) raise(L, 'Missing bytes in input.');
  };
  need(1);
  const code = data[at++] as number;
  const int = (size: number, signed: boolean): void => {
    need(size);
    pushBig(L, readInteger(data, at, size, true, signed));
    at += size;
  };
  const str = (length: number): void => {
    need(length);
    lua.lua_pushstring(L, data.slice(at, at + length));
    at += length;
  };
  const lengthOf = (size: number): number => {
    need(size);
    const n = Number(readInteger(data, at, size, true, false));
    at += size;
    return n;
  };
  const array = (count: number): void => {
    lua.lua_createtable(L, count, 0);
    for (let i = 1; i <= count; i++) {
      at = unpackValue(L, data, at, depth + 1);
      lua.lua_rawseti(L, -2, i);
    }
  };
  const map = (count: number): void => {
    lua.lua_createtable(L, 0, count);
    for (let i = 0; i < count; i++) {
      at = unpackValue(L, data, at, depth + 1);
      at = unpackValue(L, data, at, depth + 1);
      lua.lua_rawset(L, -3);
    }
  };
  if (code < 0x80) pushInteger(L, code);
  else if (code < 0x90) map(code & 0x0f);
  else if (code < 0xa0) array(code & 0x0f);
  else if (code < 0xc0) str(code & 0x1f);
  else if (code >= 0xe0) pushInteger(L, code - 256);
  else {
    switch (code) {
      case 0xc0:
        lua.lua_pushnil(L);
        break;
      case 0xc2:
      case 0xc3:
        lua.lua_pushboolean(L, code === 0xc3);
        break;
      case 0xca:
      case 0xcb: {
        const size = code === 0xca ? 4 : 8;
        need(size);
        lua.lua_pushnumber(L, readFloat(data, at, size, true));
        at += size;
        break;
      }
      case 0xcc:
      case 0xcd:
      case 0xce:
      case 0xcf:
        int(2 ** (code - 0xcc), false);
        break;
      case 0xd0:
      case 0xd1:
      case 0xd2:
      case 0xd3:
        int(2 ** (code - 0xd0), true);
        break;
      case 0xc4:
      case 0xd9:
        str(lengthOf(1));
        break;
      case 0xc5:
      case 0xda:
        str(lengthOf(2));
        break;
      case 0xc6:
      case 0xdb:
        str(lengthOf(4));
        break;
      case 0xdc:
        array(lengthOf(2));
        break;
      case 0xdd:
        array(lengthOf(4));
        break;
      case 0xde:
        map(lengthOf(2));
        break;
      case 0xdf:
        map(lengthOf(4));
        break;
      default:
        raise(L, 'Bad data format in input.');
    }
  }
  return at;
}

export const msgpackLibrary: Record<string, JsFunction> = {
  pack: (L) => {
    const argc = lua.lua_gettop(L);
    if (argc === 0) raise(L, 'MessagePack pack needs input.');
    const out = new Bytes();
    for (let i = 1; i <= argc; i++) packValue(L, out, i, 0);
    lua.lua_pushstring(L, out.done());
    return 1;
  },
  unpack: (L) => {
    const data = lauxlib.luaL_checklstring(L, 1);
    const base = lua.lua_gettop(L);
    let at = 0;
    while (at < data.length) at = unpackValue(L, data, at);
    return lua.lua_gettop(L) - base;
  },
};
