import { type ByteString, OK, type Reply, ReplyError, SimpleString } from '@meridian/engine';
import { bytesToText } from './text.js';

/*
 * Hand-written JSON for replies: printable ASCII strings are quoted as they are, other strings go
 * through JSON.stringify one at a time (native escaping, lone surrogates escaped), everything else
 * is concatenated directly, so no intermediate object tree is built for large arrays.
 */

function jsonString(text: string): string {
  return JSON.stringify(text);
}

/** True when `text` is printable ASCII without `"` or `\\`: its JSON form is itself in quotes. */
function isPlainJson(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code > 0x7e || code === 0x22 || code === 0x5c) return false;
  }
  return true;
}

/** A byte string as a JSON string of its UTF-8 text. */
function jsonBytes(bytes: ByteString): string {
  return isPlainJson(bytes) ? `"${bytes}"` : jsonString(bytesToText(bytes));
}

const RESULT_OK = '{"result":"OK"}';

function base64(bytes: string): string {
  return `"${Buffer.from(bytes, 'latin1').toString('base64')}"`;
}

function encodeArray(items: readonly Reply[], base64Strings: boolean): string {
  if (items.length === 0) return '[]';
  let out = '[';
  for (let i = 0; i < items.length; i++) {
    if (i > 0) out += ',';
    out += encodeValue(items[i] as Reply, base64Strings, false);
  }
  return out + ']';
}

/**
 * One reply as a JSON value. With base64, every bulk and simple string at any depth is base64,
 * except a top-level simple `OK` (what Upstash does and the SDK expects); errors nested in arrays
 * are their plain text, never encoded.
 */
export function encodeValue(reply: Reply, base64Strings: boolean, topLevel: boolean): string {
  if (reply === null) return 'null';
  switch (typeof reply) {
    case 'string':
      return base64Strings ? base64(reply) : jsonBytes(reply);
    case 'number':
      return String(reply);
    case 'bigint':
      return reply.toString();
    default:
      break;
  }
  if (reply instanceof SimpleString) {
    if (!base64Strings || (topLevel && reply.value === 'OK')) return jsonString(reply.value);
    return base64(reply.value);
  }
  if (reply instanceof ReplyError) return jsonString(reply.message);
  return encodeArray(reply, base64Strings);
}

/** `{"error": message}` — error texts are never base64. */
export function encodeJsonError(message: string): string {
  return `{"error":${jsonString(message)}}`;
}

/** `{"result": value}`, or `{"error": text}` when the reply is an error. */
export function encodeJsonResult(reply: Reply, base64Strings: boolean): string {
  if (reply === OK) return RESULT_OK;
  if (reply instanceof ReplyError) return encodeJsonError(reply.message);
  return `{"result":${encodeValue(reply, base64Strings, true)}}`;
}

/** A pipeline's or transaction's answer: one `{"result"}` or `{"error"}` object per command. */
export function encodeJsonEntries(replies: readonly Reply[], base64Strings: boolean): string {
  let out = '[';
  for (let i = 0; i < replies.length; i++) {
    if (i > 0) out += ',';
    out += encodeJsonResult(replies[i] as Reply, base64Strings);
  }
  return out + ']';
}

/** One reply in RESP2, as a latin1 string (one character per byte). */
export function encodeResp(reply: Reply): string {
  if (reply === null) return '$-1\r\n';
  switch (typeof reply) {
    case 'string':
      return `$${reply.length}\r\n${reply}\r\n`;
    case 'number':
    case 'bigint':
      return `:${reply}\r\n`;
    default:
      break;
  }
  if (reply instanceof SimpleString) return `+${reply.value}\r\n`;
  if (reply instanceof ReplyError) return `-${reply.message}\r\n`;
  let out = `*${reply.length}\r\n`;
  for (const item of reply) out += encodeResp(item);
  return out;
}

/** Several replies back to back, as Redis answers a pipeline. */
export function encodeRespAll(replies: readonly Reply[]): string {
  let out = '';
  for (const reply of replies) out += encodeResp(reply);
  return out;
}
