import { ReplyError, SimpleString } from '@meridian/engine';
import {
  type ProtocolVersion,
  RespDouble,
  RespMap,
  RespNullArray,
  RespPairs,
  RespPush,
  RespSet,
  type RespValue,
  RespVerbatim,
} from './values.js';

function aggregate(marker: string, items: readonly RespValue[], protocol: ProtocolVersion): string {
  let out = `${marker}${items.length}\r\n`;
  for (const item of items) out += writeReply(item, protocol);
  return out;
}

function bulk(text: string): string {
  return `$${text.length}\r\n${text}\r\n`;
}

/** `\r` and `\n` cannot appear in a simple string or error line: Redis replaces them with spaces. */
function line(text: string): string {
  return /[\r\n]/.test(text) ? text.replace(/[\r\n]/g, ' ') : text;
}

function writeObject(reply: object, protocol: ProtocolVersion): string {
  if (reply instanceof SimpleString) return `+${line(reply.value)}\r\n`;
  if (reply instanceof ReplyError) return `-${line(reply.message)}\r\n`;
  if (reply instanceof RespDouble) return protocol === 3 ? `,${reply.text}\r\n` : bulk(reply.text);
  if (reply instanceof RespNullArray) return protocol === 3 ? '_\r\n' : '*-1\r\n';
  if (reply instanceof RespVerbatim) {
    return protocol === 3 ? `=${reply.text.length + 4}\r\n${reply.format}:${reply.text}\r\n` : bulk(reply.text);
  }
  if (reply instanceof RespMap) {
    if (protocol === 2) return aggregate('*', reply.resp2 === 'flat' ? reply.entries.flat() : reply.entries, protocol);
    let out = `%${reply.entries.length}\r\n`;
    for (const [key, value] of reply.entries) out += writeReply(key, protocol) + writeReply(value, protocol);
    return out;
  }
  if (reply instanceof RespPairs) {
    return protocol === 2 ? aggregate('*', reply.pairs.flat(), protocol) : aggregate('*', reply.pairs, protocol);
  }
  if (reply instanceof RespSet) return aggregate(protocol === 3 ? '~' : '*', reply.items, protocol);
  if (reply instanceof RespPush) return aggregate(protocol === 3 ? '>' : '*', reply.items, protocol);
  return aggregate('*', reply as readonly RespValue[], protocol);
}

/** One reply in the client's protocol, as latin1 text (one character per byte). */
export function writeReply(reply: RespValue, protocol: ProtocolVersion): string {
  if (reply === null) return protocol === 3 ? '_\r\n' : '$-1\r\n';
  switch (typeof reply) {
    case 'string':
      return bulk(reply);
    case 'number':
    case 'bigint':
      return `:${reply}\r\n`;
    case 'boolean':
      return protocol === 3 ? (reply ? '#t\r\n' : '#f\r\n') : reply ? ':1\r\n' : ':0\r\n';
    default:
      return writeObject(reply, protocol);
  }
}
