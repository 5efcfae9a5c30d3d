import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import type { ExecContext } from '../../context.js';
import { CommandError, OK, type Reply } from '../../reply.js';
import { type Json, JsonValue, isJsonObject, serializeJson } from '../../types/json.js';
import {
  argText,
  copyJson,
  jsonBytes,
  legacyMatch,
  parseJsonArg,
  pathArg,
  propagateDoc,
  readDoc,
  textBytes,
  wrongType,
} from './common.js';
import { creationPoints, evaluate, type JsonPath, type Match, parsePath, removeAt, replaceAt } from './path.js';

const key1 = { firstKey: 1, lastKey: 1, keyStep: 1 } as const;
const ERR_ROOT = 'ERR new objects must be created at the root';

function setAt(
  ctx: ExecContext,
  key: ByteString,
  path: JsonPath,
  value: Json,
  condition: 'NX' | 'XX' | undefined,
): boolean {
  const doc = readDoc(ctx, key);
  if (doc === undefined) {
    if (path.steps.length > 0) throw new CommandError(ERR_ROOT);
    if (condition === 'XX') return false;
    ctx.addKey(key, new JsonValue(value));
    return true;
  }
  if (path.steps.length === 0) {
    if (condition === 'NX') return false;
    doc.root = value;
    return true;
  }
  const matches = evaluate(doc.root, path);
  if (matches.length > 0) {
    if (condition === 'NX') return false;
    for (const match of matches) replaceAt(match, copyJson(value));
    return true;
  }
  if (condition === 'XX') return false;
  const points = creationPoints(doc.root, path);
  if (points.length === 0) {
    if (path.legacy) throw new CommandError(`ERR Path '${path.text}' does not exist`);
    return false;
  }
  for (const { parent, name } of points) parent[name] = copyJson(value);
  return true;
}

/** JSON.SET key path value [NX | XX] */
export const jsonSet = defineCommand({
  name: 'json.set',
  arity: -4,
  flags: ['write', 'denyoom'],
  ...key1,
  handler: (ctx, argv) => {
    const key = argv[1] as ByteString;
    const path = pathArg(argv[2]);
    const value = parseJsonArg(argv[3] as ByteString);
    let condition: 'NX' | 'XX' | undefined;
    if (argv.length > 5) throw new CommandError('ERR syntax error');
    if (argv[4] !== undefined) {
      const word = argText(argv[4]).toUpperCase();
      if (word !== 'NX' && word !== 'XX') throw new CommandError('ERR syntax error');
      condition = word;
    }
    if (!setAt(ctx, key, path, value, condition)) return null;
    propagateDoc(ctx, key, readDoc(ctx, key) as JsonValue);
    return OK;
  },
});

/** JSON.MSET key path value [key path value …]: all or nothing. */
export const jsonMset = defineCommand({
  name: 'json.mset',
  arity: -4,
  flags: ['write', 'denyoom'],
  firstKey: 1,
  lastKey: -3,
  keyStep: 3,
  handler: (ctx, argv) => {
    if ((argv.length - 1) % 3 !== 0) throw new CommandError("ERR wrong number of arguments for 'json.mset' command");
    const triples: [ByteString, JsonPath, Json][] = [];
    for (let i = 1; i < argv.length; i += 3) {
      triples.push([argv[i] as ByteString, pathArg(argv[i + 1]), parseJsonArg(argv[i + 2] as ByteString)]);
    }
    for (const [key, path] of triples) {
      const doc = readDoc(ctx, key);
      if (doc === undefined && path.steps.length > 0) throw new CommandError(ERR_ROOT);
    }
    for (const [key, path, value] of triples) {
      setAt(ctx, key, path, value, undefined);
      propagateDoc(ctx, key, readDoc(ctx, key) as JsonValue);
    }
    return OK;
  },
});

/** RFC 7396 JSON Merge Patch. */
function mergePatch(target: Json, patch: Json): Json {
  if (!isJsonObject(patch)) return copyJson(patch);
  const out: { [key: string]: Json } = isJsonObject(target) ? target : {};
  for (const name of Object.keys(patch)) {
    const value = patch[name] as Json;
    if (value === null) delete out[name];
    else out[name] = mergePatch(out[name] ?? null, value);
  }
  return out;
}

/** JSON.MERGE key path value (RFC 7396) */
export const jsonMerge = defineCommand({
  name: 'json.merge',
  arity: 4,
  flags: ['write', 'denyoom'],
  ...key1,
  handler: (ctx, argv) => {
    const key = argv[1] as ByteString;
    const path = pathArg(argv[2]);
    const patch = parseJsonArg(argv[3] as ByteString);
    const doc = readDoc(ctx, key);
    if (doc === undefined) {
      if (path.steps.length > 0) throw new CommandError(ERR_ROOT);
      ctx.addKey(key, new JsonValue(mergePatch(null, patch)));
    } else if (path.steps.length === 0) {
      doc.root = mergePatch(doc.root, patch);
    } else {
      const matches = evaluate(doc.root, path);
      if (matches.length === 0) {
        const points = patch === null ? [] : creationPoints(doc.root, path);
        if (points.length === 0 && path.legacy) throw new CommandError(`ERR Path '${path.text}' does not exist`);
        for (const { parent, name } of points) parent[name] = mergePatch(null, patch);
      }
      for (const match of matches) {
        if (patch === null) removeAt(match);
        else replaceAt(match, mergePatch(match.value, patch));
      }
    }
    const after = readDoc(ctx, key) as JsonValue;
    propagateDoc(ctx, key, after);
    return OK;
  },
});

/** Removes matches, later array indexes first so earlier ones stay valid. */
function removeAll(matches: Match[]): void {
  const ordered = [...matches].sort((a, b) =>
    a.parent === b.parent && typeof a.key === 'number' && typeof b.key === 'number' ? b.key - a.key : 0,
  );
  for (const match of ordered) removeAt(match);
}

function del(name: string) {
  return defineCommand({
    name,
    arity: -2,
    flags: ['write'],
    ...key1,
    handler: (ctx, argv) => {
      const key = argv[1] as ByteString;
      const doc = readDoc(ctx, key);
      if (doc === undefined) return 0;
      const path = pathArg(argv[2]);
      if (path.steps.length === 0) {
        ctx.deleteKey(key);
        ctx.propagate(['DEL', key]);
        return 1;
      }
      const matches = evaluate(doc.root, path);
      if (matches.length === 0) return 0;
      removeAll(matches);
      propagateDoc(ctx, key, doc);
      return matches.length;
    },
  });
}

export const jsonDel = del('json.del');
export const jsonForget = del('json.forget');

/** JSON.CLEAR key [path]: containers emptied, numbers set to 0; the count of values cleared. */
export const jsonClear = defineCommand({
  name: 'json.clear',
  arity: -2,
  flags: ['write'],
  ...key1,
  handler: (ctx, argv) => {
    const key = argv[1] as ByteString;
    const doc = readDoc(ctx, key);
    if (doc === undefined) return 0;
    const path = pathArg(argv[2]);
    let cleared = 0;
    const clear = (value: Json): Json | undefined => {
      if (Array.isArray(value)) return value.length === 0 ? undefined : [];
      if (isJsonObject(value)) return Object.keys(value).length === 0 ? undefined : {};
      if (typeof value === 'number') return value === 0 ? undefined : 0;
      return undefined;
    };
    for (const match of evaluate(doc.root, path)) {
      const empty = clear(match.value);
      if (empty === undefined) {
        if (Array.isArray(match.value) || isJsonObject(match.value) || typeof match.value === 'number') cleared++;
        continue;
      }
      if (match.parent === undefined) doc.root = empty;
      else replaceAt(match, empty);
      cleared++;
    }
    if (cleared > 0) propagateDoc(ctx, key, doc);
    return cleared;
  },
});

/**
 * Applies `change` to every match (legacy: the first, with an error where it does not apply) and
 * replicates the document when anything changed. `change` answers the per-match reply, undefined
 * where the value is of the wrong type.
 */
function update(
  ctx: ExecContext,
  key: ByteString,
  path: JsonPath,
  expected: string,
  change: (match: Match) => Reply | undefined,
): Reply {
  const doc = readDoc(ctx, key);
  if (doc === undefined) throw new CommandError("ERR could not perform this operation on a key that doesn't exist");
  const matches = path.legacy ? [legacyMatch(doc, path)] : evaluate(doc.root, path);
  const replies: Reply[] = [];
  let changed = false;
  for (const match of matches) {
    const reply = change(match);
    if (reply === undefined) {
      if (path.legacy) throw wrongType(path, expected, match.value);
      replies.push(null);
    } else {
      replies.push(reply);
      changed = true;
    }
  }
  if (changed) propagateDoc(ctx, key, doc);
  return path.legacy ? (replies[0] as Reply) : replies;
}

/** Replaces a match's value (the root when it has no parent). */
function put(ctx: ExecContext, key: ByteString, match: Match, value: Json): void {
  if (match.parent === undefined) (readDoc(ctx, key) as JsonValue).root = value;
  else replaceAt(match, value);
}

function arithmetic(name: string, apply: (a: number, b: number) => number) {
  return defineCommand({
    name,
    arity: 4,
    flags: ['write', 'denyoom'],
    ...key1,
    handler: (ctx, argv) => {
      const key = argv[1] as ByteString;
      const path = pathArg(argv[2]);
      const by = parseJsonArg(argv[3] as ByteString);
      if (typeof by !== 'number') throw new CommandError('ERR expected a number');
      const results: Json[] = [];
      const reply = update(ctx, key, path, 'number', (match) => {
        if (typeof match.value !== 'number') {
          results.push(null);
          return undefined;
        }
        const next = apply(match.value, by);
        if (!Number.isFinite(next)) throw new CommandError('ERR result is an infinite number');
        put(ctx, key, match, next);
        results.push(next);
        return next;
      });
      // RedisJSON answers the new value(s) as JSON text: one number for a legacy path, an array for `$`.
      if (path.legacy) return textBytes(serializeJson(reply as number));
      return textBytes(serializeJson(results));
    },
  });
}

export const jsonNumincrby = arithmetic('json.numincrby', (a, b) => a + b);
export const jsonNummultby = arithmetic('json.nummultby', (a, b) => a * b);

/** JSON.TOGGLE key path: booleans flipped; `$` answers 1/0 per match, legacy "true"/"false". */
export const jsonToggle = defineCommand({
  name: 'json.toggle',
  arity: 3,
  flags: ['write'],
  ...key1,
  handler: (ctx, argv) => {
    const key = argv[1] as ByteString;
    const path = pathArg(argv[2]);
    const reply = update(ctx, key, path, 'boolean', (match) => {
      if (typeof match.value !== 'boolean') return undefined;
      put(ctx, key, match, !match.value);
      return match.value ? 0 : 1;
    });
    return path.legacy ? (reply === 1 ? 'true' : 'false') : reply;
  },
});

/** JSON.STRAPPEND key [path] value: the new length(s) in bytes. */
export const jsonStrappend = defineCommand({
  name: 'json.strappend',
  arity: -3,
  flags: ['write', 'denyoom'],
  ...key1,
  handler: (ctx, argv) => {
    const key = argv[1] as ByteString;
    const path = argv.length > 3 ? pathArg(argv[2]) : parsePath('.');
    const addition = parseJsonArg(argv[argv.length - 1] as ByteString);
    if (typeof addition !== 'string') throw new CommandError('ERR expected a JSON string');
    return update(ctx, key, path, 'string', (match) => {
      if (typeof match.value !== 'string') return undefined;
      const next = match.value + addition;
      put(ctx, key, match, next);
      return textBytes(next).length;
    });
  },
});

/** JSON.ARRAPPEND key path value [value …] */
export const jsonArrappend = defineCommand({
  name: 'json.arrappend',
  arity: -4,
  flags: ['write', 'denyoom'],
  ...key1,
  handler: (ctx, argv) => {
    const key = argv[1] as ByteString;
    const path = pathArg(argv[2]);
    const values = argv.slice(3).map((arg) => parseJsonArg(arg));
    return update(ctx, key, path, 'array', (match) => {
      if (!Array.isArray(match.value)) return undefined;
      match.value.push(...values.map(copyJson));
      return match.value.length;
    });
  },
});

function integerArg(arg: ByteString | undefined, fallback: number): number {
  if (arg === undefined) return fallback;
  const value = Number(argText(arg));
  if (!Number.isSafeInteger(value)) throw new CommandError('ERR value is not an integer or out of range');
  return value;
}

/** JSON.ARRINSERT key path index value [value …] */
export const jsonArrinsert = defineCommand({
  name: 'json.arrinsert',
  arity: -5,
  flags: ['write', 'denyoom'],
  ...key1,
  handler: (ctx, argv) => {
    const key = argv[1] as ByteString;
    const path = pathArg(argv[2]);
    const index = integerArg(argv[3], 0);
    const values = argv.slice(4).map((arg) => parseJsonArg(arg));
    return update(ctx, key, path, 'array', (match) => {
      const array = match.value;
      if (!Array.isArray(array)) return undefined;
      const at = index < 0 ? array.length + index : index;
      if (at < 0 || at > array.length) throw new CommandError('ERR index out of bounds');
      array.splice(at, 0, ...values.map(copyJson));
      return array.length;
    });
  },
});

/** JSON.ARRPOP key [path [index]]: the removed element as JSON (default the last). */
export const jsonArrpop = defineCommand({
  name: 'json.arrpop',
  arity: -2,
  flags: ['write'],
  ...key1,
  handler: (ctx, argv) => {
    const key = argv[1] as ByteString;
    const path = pathArg(argv[2]);
    const index = integerArg(argv[3], -1);
    return update(ctx, key, path, 'array', (match) => {
      const array = match.value;
      if (!Array.isArray(array)) return undefined;
      if (array.length === 0) return null;
      const at = Math.min(Math.max(index < 0 ? array.length + index : index, 0), array.length - 1);
      const [removed] = array.splice(at, 1);
      return jsonBytes(removed as Json);
    });
  },
});

/** JSON.ARRTRIM key path start stop: keeps [start, stop] inclusive; the new length(s). */
export const jsonArrtrim = defineCommand({
  name: 'json.arrtrim',
  arity: 5,
  flags: ['write'],
  ...key1,
  handler: (ctx, argv) => {
    const key = argv[1] as ByteString;
    const path = pathArg(argv[2]);
    const start = integerArg(argv[3], 0);
    const stop = integerArg(argv[4], 0);
    return update(ctx, key, path, 'array', (match) => {
      const array = match.value;
      if (!Array.isArray(array)) return undefined;
      const n = array.length;
      const from = start < 0 ? Math.max(0, n + start) : Math.min(start, n);
      const to = stop < 0 ? n + stop : Math.min(stop, n - 1);
      const kept = from > to || from >= n ? [] : array.slice(from, to + 1);
      array.length = 0;
      array.push(...kept);
      return array.length;
    });
  },
});
