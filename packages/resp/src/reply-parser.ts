import { type ByteString, type Reply, ReplyError, SimpleString } from '@meridian/engine';

/** The RESP2 replies in `text` (latin1), e.g. an answer another node sent; undefined when malformed or cut short. */
export function parseReplies(text: ByteString): Reply[] | undefined {
  const replies: Reply[] = [];
  let position = 0;
  const read = (depth: number): Reply | undefined => {
    const lineEnd = text.indexOf('\r\n', position);
    if (lineEnd < 0 || depth > 64) return undefined;
    const marker = text[position];
    const body = text.slice(position + 1, lineEnd);
    position = lineEnd + 2;
    switch (marker) {
      case '+':
        return new SimpleString(body);
      case '-':
        return new ReplyError(body);
      case ':': {
        const value = BigInt(body);
        return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
          ? Number(value)
          : value;
      }
      case '$': {
        const length = Number(body);
        if (length < 0) return null;
        if (position + length + 2 > text.length) return undefined;
        const value = text.slice(position, position + length);
        position += length + 2;
        return value;
      }
      case '*': {
        const count = Number(body);
        if (count < 0) return null;
        const items: Reply[] = [];
        for (let i = 0; i < count; i++) {
          const item = read(depth + 1);
          if (item === undefined) return undefined;
          items.push(item);
        }
        return items;
      }
      default:
        return undefined;
    }
  };
  try {
    while (position < text.length) {
      const reply = read(0);
      if (reply === undefined) return undefined;
      replies.push(reply);
    }
  } catch {
    return undefined;
  }
  return replies;
}
