/**
 * Lua run once in a fresh state, with the full standard library, before any script: it builds the
 * sandbox scripts see (Redis's library set, read-only tables, no `os`/`io`/`require`/`debug`, text
 * chunks only) and returns the functions the runner calls. `host` carries the JS-side libraries.
 */
export const PRELUDE = String.raw`
local host = ...
local debug_getinfo, setupvalue, raw_getmetatable = debug.getinfo, debug.setupvalue, debug.getmetatable
local real_load, real_setmetatable, real_rawset, real_getmetatable = load, setmetatable, rawset, getmetatable
local error, type, tostring, pairs, xpcall = error, type, tostring, pairs, xpcall

-- Library proxies (made once). Per-call environments are recognised by their metatable instead, so
-- nothing grows per call (fengari has no weak tables).
local protected = {}
local function readonly_error() error('Attempt to modify a readonly table', 2) end
local function protect(t)
  local proxy = real_setmetatable({}, { __index = t, __newindex = readonly_error, __metatable = false })
  protected[proxy] = true
  return proxy
end
local function copy(t)
  local c = {}
  for k, v in pairs(t) do c[k] = v end
  return c
end

local base = {}
for _, name in pairs({ 'assert', 'error', 'ipairs', 'next', 'pairs', 'pcall', 'rawequal', 'rawget', 'rawlen',
  'select', 'tonumber', 'tostring', 'type', 'xpcall', 'collectgarbage', 'setmetatable', 'getmetatable' }) do
  base[name] = _G[name]
end
base._VERSION = _VERSION
base.unpack = table.unpack
local env_meta
base.rawset = function(t, k, v)
  if protected[t] or (env_meta ~= nil and raw_getmetatable(t) == env_meta) then
    error({ err = 'ERR Attempt to modify a readonly table' })
  end
  return real_rawset(t, k, v)
end
base.gcinfo = function() return collectgarbage('count') end
local current_env
base.load = function(chunk, name, mode, env) return real_load(chunk, name, 't', env or current_env) end
base.loadstring = function(text, name) return real_load(text, name or text, 't', current_env) end

local string_lib = copy(string)
string_lib.dump = nil
string_lib.gfind = string.gmatch
local rep = string.rep
string_lib.rep = function(s, n, sep)
  host.check_size(#tostring(s) * (tonumber(n) or 0))
  return rep(s, n, sep)
end
local math_lib = copy(math)
math_lib.pow = function(x, y) return x ^ y end
math_lib.mod = math.fmod
math_lib.log10 = function(x) return math.log(x, 10) end
math_lib.ldexp = math_lib.ldexp or function(m, e) return m * 2.0 ^ e end
math_lib.cosh = math_lib.cosh or function(x) return (math.exp(x) + math.exp(-x)) / 2 end
math_lib.sinh = math_lib.sinh or function(x) return (math.exp(x) - math.exp(-x)) / 2 end
math_lib.tanh = math_lib.tanh or function(x) local a, b = math.exp(x), math.exp(-x) return (a - b) / (a + b) end
local table_lib = copy(table)
table_lib.getn = function(t) return #t end
table_lib.maxn = function(t)
  local n = 0
  for k in pairs(t) do if type(k) == 'number' and k > n then n = k end end
  return n
end

base.string = protect(string_lib)
base.math = protect(math_lib)
base.table = protect(table_lib)
base.coroutine = protect(copy(coroutine))
base.cjson = protect(host.cjson)
base.bit = protect(host.bit)
base.struct = protect(host.struct)
base.cmsgpack = protect(host.cmsgpack)
base.redis = protect(host.redis)

local string_meta = real_getmetatable('')
string_meta.__index = base.string
string_meta.__metatable = false

real_setmetatable(base, {
  __index = function(_, key)
    error("Script attempted to access nonexistent global variable '" .. tostring(key) .. "'", 2)
  end,
  __newindex = readonly_error,
  __metatable = false,
})
env_meta = { __index = base, __newindex = readonly_error, __metatable = false }

local function handler(err)
  local level = 2
  local info = debug_getinfo(level, 'nSl')
  while info and (info.what == 'C' or info.source == '=[JS]' or info.source == '=prelude') do
    level = level + 1
    info = debug_getinfo(level, 'nSl')
  end
  if type(err) ~= 'table' then err = { err = 'ERR ' .. tostring(err) } end
  if info and err.source == nil then
    real_rawset(err, 'source', info.source)
    real_rawset(err, 'line', info.currentline)
  end
  return err
end

local function new_env(fields, meta)
  local env = real_setmetatable(fields, meta or env_meta)
  real_rawset(env, '_G', env)
  current_env = env
  return env
end

local function run(fn, keys, args)
  setupvalue(fn, 1, new_env({ KEYS = keys, ARGV = args }))
  return xpcall(fn, handler)
end

local function load_library(code)
  local registered = {}
  local names = {}
  local lib_redis = copy(host.redis)
  lib_redis.register_function = function(first, second, ...)
    local name, callback, flags, description
    if type(first) == 'table' then
      if second ~= nil then error('wrong number of arguments to redis.register_function', 2) end
      for key, value in pairs(first) do
        if key == 'function_name' then name = value
        elseif key == 'callback' then callback = value
        elseif key == 'flags' then flags = value
        elseif key == 'description' then description = value
        else error('unknown argument given to redis.register_function', 2) end
      end
      if name == nil then error('redis.register_function must get a function name argument', 2) end
      if callback == nil then error('redis.register_function must get a callback argument', 2) end
    else
      if select('#', ...) > 0 or second == nil then
        if second == nil then
          error('calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).', 2)
        end
        error('wrong number of arguments to redis.register_function', 2)
      end
      name, callback = first, second
    end
    if type(name) ~= 'string' then error('function_name argument given to redis.register_function must be a string', 2) end
    if type(callback) ~= 'function' then error('callback argument given to redis.register_function must be a function', 2) end
    if not name:match('^[%w_]+$') then
      error('Function names can only contain letters, numbers, or underscores(_) and must be at least one character long', 2)
    end
    local flag_list = {}
    if flags ~= nil then
      if type(flags) ~= 'table' then error('flags argument to redis.register_function must be a table representing function flags', 2) end
      for _, flag in ipairs(flags) do
        if flag ~= 'no-writes' and flag ~= 'allow-oom' and flag ~= 'allow-stale' and flag ~= 'no-cluster' and flag ~= 'allow-cross-slot-keys' then
          error('unknown flag given', 2)
        end
        flag_list[#flag_list + 1] = flag
      end
    end
    if names[name] then error('Function already exists in the library', 2) end
    names[name] = true
    registered[#registered + 1] = { name = name, fn = callback, flags = flag_list, description = description }
  end
  local lib_base = real_setmetatable({ redis = protect(lib_redis) }, { __index = base, __metatable = false })
  local env = new_env({}, { __index = lib_base, __newindex = readonly_error, __metatable = false })
  protected[env] = true
  local chunk, compile_error = real_load(code, '@user_function', 't', env)
  if not chunk then return false, 'compile', compile_error end
  local ok, run_error = xpcall(chunk, handler)
  if not ok then return false, 'run', run_error end
  return true, registered
end

local function call_function(fn, keys, args)
  return xpcall(fn, handler, keys, args)
end

return run, load_library, call_function
`;
