/** The part of fengari's C-like API this package uses (fengari ships no types). */
declare module 'fengari' {
  export type LuaState = { readonly __luaState: unique symbol };
  export type LuaString = Uint8Array;
  export type JsFunction = (L: LuaState) => number;
  export type DebugRecord = { currentline: number };
  export type Hook = (L: LuaState, ar: DebugRecord) => void;

  export const to_luastring: (text: string) => LuaString;
  export const to_jsstring: (bytes: LuaString) => string;

  export const lua: {
    LUA_OK: number;
    LUA_TNIL: number;
    LUA_TBOOLEAN: number;
    LUA_TNUMBER: number;
    LUA_TSTRING: number;
    LUA_TTABLE: number;
    LUA_TLIGHTUSERDATA: number;
    LUA_REGISTRYINDEX: number;
    LUA_MASKCOUNT: number;
    LUA_MULTRET: number;
    lua_gettop(L: LuaState): number;
    lua_checkstack(L: LuaState, slots: number): boolean;
    lua_settop(L: LuaState, index: number): void;
    lua_pop(L: LuaState, count: number): void;
    lua_type(L: LuaState, index: number): number;
    lua_toboolean(L: LuaState, index: number): boolean;
    lua_tonumber(L: LuaState, index: number): number;
    lua_isinteger(L: LuaState, index: number): boolean;
    lua_tointeger(L: LuaState, index: number): number;
    lua_tolstring(L: LuaState, index: number): LuaString;
    lua_touserdata(L: LuaState, index: number): unknown;
    lua_pushnil(L: LuaState): void;
    lua_pushboolean(L: LuaState, value: boolean): void;
    lua_pushinteger(L: LuaState, value: number): void;
    lua_pushnumber(L: LuaState, value: number): void;
    lua_pushstring(L: LuaState, value: LuaString): void;
    lua_pushliteral(L: LuaState, value: string): void;
    lua_pushlightuserdata(L: LuaState, value: unknown): void;
    lua_pushjsfunction(L: LuaState, fn: JsFunction): void;
    lua_pushvalue(L: LuaState, index: number): void;
    lua_createtable(L: LuaState, arraySize: number, hashSize: number): void;
    lua_setfield(L: LuaState, index: number, key: LuaString): void;
    lua_getfield(L: LuaState, index: number, key: LuaString): number;
    lua_rawgeti(L: LuaState, index: number, n: number): number;
    lua_rawseti(L: LuaState, index: number, n: number): void;
    lua_rawset(L: LuaState, index: number): void;
    lua_rawlen(L: LuaState, index: number): number;
    lua_next(L: LuaState, index: number): boolean;
    lua_setglobal(L: LuaState, name: LuaString): void;
    lua_getglobal(L: LuaState, name: LuaString): number;
    lua_pcall(L: LuaState, args: number, results: number, handler: number): number;
    lua_call(L: LuaState, args: number, results: number): void;
    lua_error(L: LuaState): never;
    lua_sethook(L: LuaState, hook: Hook | null, mask: number, count: number): void;
    lua_absindex(L: LuaState, index: number): number;
  };

  export const lauxlib: {
    luaL_newstate(): LuaState;
    luaL_loadbufferx(L: LuaState, buffer: LuaString, size: number, name: LuaString, mode: LuaString): number;
    luaL_ref(L: LuaState, table: number): number;
    luaL_unref(L: LuaState, table: number, ref: number): void;
    luaL_error(L: LuaState, message: LuaString): never;
    luaL_checkinteger(L: LuaState, index: number): number;
    luaL_checknumber(L: LuaState, index: number): number;
    luaL_checklstring(L: LuaState, index: number): LuaString;
    luaL_optinteger(L: LuaState, index: number, fallback: number): number;
    luaL_requiref(L: LuaState, name: LuaString, open: JsFunction, global: number): void;
  };

  export const lualib: {
    luaopen_base: JsFunction;
    luaopen_table: JsFunction;
    luaopen_string: JsFunction;
    luaopen_math: JsFunction;
    luaopen_coroutine: JsFunction;
    luaopen_debug: JsFunction;
  };
}
