import type { ByteString } from './bytes.js';

/** A RESP simple string (`+OK`, `+PONG`, TYPE names). Bulk strings are plain ByteStrings. */
export class SimpleString {
  constructor(readonly value: string) {}
}

/** A RESP error reply. `message` is Redis's text verbatim, including its prefix (`ERR`, `WRONGTYPE`…). */
export class ReplyError {
  constructor(readonly message: string) {}
}

/**
 * A reply in the RESP2 model: nil (`null`), integer (`number`, or `bigint` outside ±2^53),
 * bulk string, simple string, error, or array of replies.
 */
export type Reply = null | number | bigint | ByteString | SimpleString | ReplyError | readonly Reply[];

export const OK = new SimpleString('OK');
export const QUEUED = new SimpleString('QUEUED');
export const PONG = new SimpleString('PONG');

/**
 * An error line as Redis's addReplyErrorFormat leaves it: CR and LF trimmed from both ends, any
 * inside replaced by spaces (errors may quote arguments, which may hold any byte).
 */
export function errorLine(message: string): string {
  if (!/[\r\n]/.test(message)) return message;
  return message.replace(/^[\r\n]+|[\r\n]+$/g, '').replace(/[\r\n]/g, ' ');
}

/** Thrown inside a command handler to answer with an error; caught by the engine. */
export class CommandError extends Error {
  constructor(message: string) {
    super(errorLine(message));
  }
  toReply(): ReplyError {
    return new ReplyError(this.message);
  }
}

export function isErrorReply(reply: Reply): reply is ReplyError {
  return reply instanceof ReplyError;
}
