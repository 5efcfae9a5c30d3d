import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { CommandError, type Reply } from '../../reply.js';
import { type Json, isJsonObject, jsonTypeName, serializeJson } from '../../types/json.js';
import { argText, jsonBytes, pathArg, perMatch, readDoc, textBytes } from './common.js';
import { evaluate, parsePath } from './path.js';

const key1 = { firstKey: 1, lastKey: 1, keyStep: 1 } as const;

/** JSON.GET key [INDENT s] [NEWLINE s] [SPACE s] [path …] */
export const jsonGet = defineCommand({
  name: 'json.get',
  arity: -2,
  flags: ['readonly'],
  ...key1,
  handler: (ctx, argv) => {
    const doc = readDoc(ctx, argv[1] as ByteString);
    const format = { indent: '', newline: '', space: '' };
    const paths: string[] = [];
    for (let i = 2; i < argv.length; i++) {
      const word = argText(argv[i] as ByteString);
      const option = word.toUpperCase();
      if ((option === 'INDENT' || option === 'NEWLINE' || option === 'SPACE') && i + 1 < argv.length) {
        format[option.toLowerCase() as 'indent'] = argText(argv[++i] as ByteString);
      } else paths.push(word);
    }
    if (doc === undefined) return null;
    if (paths.length === 0) paths.push('.');
    const answer = (text: string): Json => {
      const path = parsePath(text);
      const matches = evaluate(doc.root, path).map((match) => match.value);
      if (!path.legacy) return matches;
      if (matches.length === 0) throw new CommandError(`ERR Path '${text}' does not exist`);
      return matches[0] as Json;
    };
    if (paths.length === 1) return textBytes(serializeJson(answer(paths[0] as string), format));
    const all: { [key: string]: Json } = {};
    // With several paths, every answer is an array unless every path is legacy.
    const legacy = paths.every((text) => parsePath(text).legacy);
    for (const text of paths) {
      const value = answer(text);
      all[text] = legacy ? value : Array.isArray(value) ? value : [value];
    }
    return textBytes(serializeJson(all, format));
  },
});

/** JSON.MGET key [key …] path: each key's answer for the path, nil for missing keys. */
export const jsonMget = defineCommand({
  name: 'json.mget',
  arity: -3,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: -2,
  keyStep: 1,
  handler: (ctx, argv) => {
    const path = pathArg(argv[argv.length - 1]);
    const out: Reply[] = [];
    for (let i = 1; i < argv.length - 1; i++) {
      const value = ctx.lookup(argv[i] as ByteString);
      if (value === undefined || typeof value === 'string' || value.type !== 'ReJSON-RL') {
        out.push(null);
        continue;
      }
      const matches = evaluate(value.root, path).map((match) => match.value);
      if (path.legacy) out.push(matches.length === 0 ? null : jsonBytes(matches[0] as Json));
      else out.push(jsonBytes(matches));
    }
    return out;
  },
});

/** JSON.TYPE key [path] */
export const jsonType = defineCommand({
  name: 'json.type',
  arity: -2,
  flags: ['readonly'],
  ...key1,
  handler: (ctx, argv) => {
    const doc = readDoc(ctx, argv[1] as ByteString);
    if (doc === undefined) return null;
    const path = pathArg(argv[2]);
    if (path.legacy) {
      const match = evaluate(doc.root, path)[0];
      return match === undefined ? null : jsonTypeName(match.value);
    }
    return evaluate(doc.root, path).map((match) => jsonTypeName(match.value));
  },
});

function lengthCommand(name: string, expected: string, length: (value: Json) => number | undefined) {
  return defineCommand({
    name,
    arity: -2,
    flags: ['readonly'],
    ...key1,
    handler: (ctx, argv) => {
      const doc = readDoc(ctx, argv[1] as ByteString);
      if (doc === undefined) return null;
      return perMatch(doc, pathArg(argv[2]), expected, length);
    },
  });
}

/** JSON.STRLEN key [path] (the length in bytes of the UTF-8 text) */
export const jsonStrlen = lengthCommand('json.strlen', 'string', (v) =>
  typeof v === 'string' ? textBytes(v).length : undefined,
);
export const jsonArrlen = lengthCommand('json.arrlen', 'array', (v) => (Array.isArray(v) ? v.length : undefined));
export const jsonObjlen = lengthCommand('json.objlen', 'object', (v) =>
  isJsonObject(v) ? Object.keys(v).length : undefined,
);

/** JSON.OBJKEYS key [path] */
export const jsonObjkeys = defineCommand({
  name: 'json.objkeys',
  arity: -2,
  flags: ['readonly'],
  ...key1,
  handler: (ctx, argv) => {
    const doc = readDoc(ctx, argv[1] as ByteString);
    if (doc === undefined) return null;
    return perMatch(doc, pathArg(argv[2]), 'object', (v) =>
      isJsonObject(v) ? Object.keys(v).map((key) => textBytes(key)) : undefined,
    );
  },
});

/** JSON.ARRINDEX key path value [start [stop]] */
export const jsonArrindex = defineCommand({
  name: 'json.arrindex',
  arity: -4,
  flags: ['readonly'],
  ...key1,
  handler: (ctx, argv) => {
    const doc = readDoc(ctx, argv[1] as ByteString);
    if (doc === undefined) throw new CommandError("ERR could not perform this operation on a key that doesn't exist");
    const wanted = serializeJson(JSON.parse(argText(argv[3] as ByteString)) as Json);
    const start = argv[4] === undefined ? 0 : Number(argText(argv[4]));
    const stop = argv[5] === undefined ? 0 : Number(argText(argv[5]));
    if (!Number.isInteger(start) || !Number.isInteger(stop))
      throw new CommandError('ERR value is not an integer or out of range');
    return perMatch(doc, pathArg(argv[2]), 'array', (v) => {
      if (!Array.isArray(v)) return undefined;
      const n = v.length;
      const from = start < 0 ? Math.max(0, n + start) : Math.min(start, n);
      const to = stop === 0 ? n : stop < 0 ? Math.max(0, n + stop) : Math.min(stop, n);
      for (let i = from; i < to; i++) if (serializeJson(v[i] as Json) === wanted) return i;
      return -1;
    });
  },
});

/** JSON.RESP key [path]: the value in RESP form (objects as ["{", k, v, …], arrays as ["[", …]). */
export const jsonResp = defineCommand({
  name: 'json.resp',
  arity: -2,
  flags: ['readonly'],
  ...key1,
  handler: (ctx, argv) => {
    const doc = readDoc(ctx, argv[1] as ByteString);
    if (doc === undefined) return null;
    const path = pathArg(argv[2]);
    const resp = (value: Json): Reply => {
      if (value === null) return null;
      if (typeof value === 'boolean') return value ? 'true' : 'false';
      if (typeof value === 'number') return Number.isInteger(value) ? value : textBytes(serializeJson(value));
      if (typeof value === 'string') return textBytes(value);
      if (Array.isArray(value)) return ['[', ...value.map(resp)];
      const out: Reply[] = ['{'];
      for (const key of Object.keys(value)) out.push(textBytes(key), resp(value[key] as Json));
      return out;
    };
    const matches = evaluate(doc.root, path);
    if (path.legacy) {
      const first = matches[0];
      if (first === undefined) throw new CommandError(`ERR Path '${path.text}' does not exist`);
      return resp(first.value);
    }
    return matches.map((match) => resp(match.value));
  },
});
