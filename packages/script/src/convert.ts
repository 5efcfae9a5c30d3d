import fengari, { type LuaState } from 'fengari';
import { type ByteString, type Reply, ReplyError, SimpleString } from '@meridian/engine';
import { fromLuaBytes, toLuaBytes } from './bytes.js';

const { lua, to_luastring } = fengari;

const ERR_FIELD = to_luastring('err');
const OK_FIELD = to_luastring('ok');
/** Deeper tables are answered with Redis's stack-limit error (a table may contain itself). */
const REPLY_DEPTH_MAX = 1000;
const LLONG_MIN = -(2n ** 63n);
const LLONG_MAX = 2n ** 63n - 1n;

export function pushByteString(L: LuaState, text: ByteString): void {
  lua.lua_pushstring(L, toLuaBytes(text));
}

/** Redis → Lua, as Redis converts a command's reply for redis.call/pcall (RESP2). */
export function pushReply(L: LuaState, reply: Reply): void {
  if (reply === null) lua.lua_pushboolean(L, false);
  else if (typeof reply === 'number') pushInteger(L, reply);
  else if (typeof reply === 'bigint') lua.lua_pushnumber(L, Number(reply));
  else if (typeof reply === 'string') pushByteString(L, reply);
  else if (reply instanceof SimpleString) pushField(L, OK_FIELD, reply.value);
  else if (reply instanceof ReplyError) pushField(L, ERR_FIELD, reply.message);
  else {
    if (!lua.lua_checkstack(L, 4)) throw new RangeError('reply nested too deeply for the Lua stack');
    lua.lua_createtable(L, reply.length, 0);
    for (let i = 0; i < reply.length; i++) {
      pushReply(L, reply[i] as Reply);
      lua.lua_rawseti(L, -2, i + 1);
    }
  }
}

/** An integer as Lua sees it: an integer when fengari's 32-bit integers hold it, else a float (exact to 2^53). */
export function pushInteger(L: LuaState, value: number): void {
  if (value >= -2147483648 && value <= 2147483647) lua.lua_pushinteger(L, value);
  else lua.lua_pushnumber(L, value);
}

function pushField(L: LuaState, field: Uint8Array, text: string): void {
  lua.lua_createtable(L, 0, 1);
  pushByteString(L, text);
  lua.lua_setfield(L, -2, field);
}

/** The string field `field` of the table at `index`, or undefined. */
export function stringField(L: LuaState, index: number, field: Uint8Array): ByteString | undefined {
  lua.lua_getfield(L, index, field);
  const value = lua.lua_type(L, -1) === lua.LUA_TSTRING ? fromLuaBytes(lua.lua_tolstring(L, -1)) : undefined;
  lua.lua_pop(L, 1);
  return value;
}

/** A Lua number as Redis answers it: truncated to a 64-bit integer (NaN and overflow give LLONG_MIN). */
export function numberReply(L: LuaState, index: number): number | bigint {
  if (lua.lua_isinteger(L, index)) return lua.lua_tointeger(L, index);
  const value = lua.lua_tonumber(L, index);
  if (!Number.isFinite(value)) return LLONG_MIN;
  const truncated = Math.trunc(value);
  if (Number.isSafeInteger(truncated)) return Object.is(truncated, -0) ? 0 : truncated;
  const big = BigInt(truncated);
  return big > LLONG_MAX || big < LLONG_MIN ? LLONG_MIN : big;
}

/** Lua → Redis, as Redis converts a script's return value (RESP2). */
export function toReply(L: LuaState, index: number, depth = 0): Reply {
  const at = lua.lua_absindex(L, index);
  const type = lua.lua_type(L, at);
  if (type === lua.LUA_TSTRING) return fromLuaBytes(lua.lua_tolstring(L, at));
  if (type === lua.LUA_TNUMBER) return numberReply(L, at);
  if (type === lua.LUA_TBOOLEAN) return lua.lua_toboolean(L, at) ? 1 : null;
  if (type !== lua.LUA_TTABLE) return null;
  if (depth >= REPLY_DEPTH_MAX || !lua.lua_checkstack(L, 4)) return new ReplyError('ERR reached lua stack limit');
  const error = stringField(L, at, ERR_FIELD);
  if (error !== undefined) return new ReplyError(error);
  const status = stringField(L, at, OK_FIELD);
  if (status !== undefined) return new SimpleString(status);
  const items: Reply[] = [];
  for (let i = 1; ; i++) {
    lua.lua_rawgeti(L, at, i);
    if (lua.lua_type(L, -1) === lua.LUA_TNIL) {
      lua.lua_pop(L, 1);
      break;
    }
    items.push(toReply(L, -1, depth + 1));
    lua.lua_pop(L, 1);
  }
  return items;
}
