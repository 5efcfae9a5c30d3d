import type { ByteString } from '../../bytes.js';
import type { ExecContext } from '../../context.js';
import { CommandError, type Reply } from '../../reply.js';
import { type Json, JsonValue, jsonTypeName, serializeJson } from '../../types/json.js';
import { evaluate, type JsonPath, type Match, parsePath } from './path.js';

/** A byte-string argument as text (UTF-8; invalid sequences become U+FFFD). */
export function argText(arg: ByteString): string {
  // ASCII is its own UTF-8.
  if (!/[^\x00-\x7f]/.test(arg)) return arg;
  try {
    return decodeURIComponent(arg.replace(/[\x00-\xff]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
  } catch {
    let out = '';
    for (const c of arg) out += c.charCodeAt(0) < 0x80 ? c : '\ufffd';
    return out;
  }
}

/** Text as the byte string a reply carries (UTF-8). */
export function textBytes(text: string): ByteString {
  if (!/[^\x00-\x7f]/.test(text)) return text;
  return unescape(encodeURIComponent(text));
}

/** A deep copy of a JSON value. */
export function copyJson(value: Json): Json {
  return value === null || typeof value !== 'object' ? value : (JSON.parse(JSON.stringify(value)) as Json);
}

/** A JSON argument, or RedisJSON's kind of error. */
export function parseJsonArg(arg: ByteString): Json {
  const text = argText(arg);
  try {
    return JSON.parse(text) as Json;
  } catch (error) {
    throw new CommandError(`ERR expected value: ${error instanceof Error ? error.message : 'invalid JSON'}`);
  }
}

export function jsonBytes(value: Json): ByteString {
  return textBytes(serializeJson(value));
}

export function readDoc(ctx: ExecContext, key: ByteString): JsonValue | undefined {
  return ctx.lookupTyped<JsonValue>(key, 'ReJSON-RL');
}

export function pathArg(arg: ByteString | undefined): JsonPath {
  return parsePath(arg === undefined ? '.' : argText(arg));
}

/** Legacy paths must match: RedisJSON's error otherwise. */
export function legacyMatch(doc: JsonValue, path: JsonPath): Match {
  const match = evaluate(doc.root, path)[0];
  if (match === undefined) throw new CommandError(`ERR Path '${path.text}' does not exist`);
  return match;
}

export function wrongType(path: JsonPath, expected: string, found: Json): CommandError {
  return new CommandError(`WRONGTYPE wrong type of path value - expected ${expected} but found ${jsonTypeName(found)}`);
}

/** Replicates a changed document as the whole document (deterministic, whatever the path was). */
export function propagateDoc(ctx: ExecContext, key: ByteString, doc: JsonValue): void {
  ctx.propagate(['JSON.SET', key, '$', textBytes(doc.dump())]);
}

/**
 * The common shape of JSON.STRLEN/OBJLEN/ARRLEN/TYPE…: for a `$` path an array with one entry per
 * match (null where `per` does not apply), for a legacy path the first match's answer (an error
 * where it does not apply).
 */
export function perMatch(
  doc: JsonValue,
  path: JsonPath,
  expected: string,
  per: (value: Json) => Reply | undefined,
): Reply {
  if (path.legacy) {
    const match = legacyMatch(doc, path);
    const answer = per(match.value);
    if (answer === undefined) throw wrongType(path, expected, match.value);
    return answer;
  }
  return evaluate(doc.root, path).map((match) => per(match.value) ?? null);
}
