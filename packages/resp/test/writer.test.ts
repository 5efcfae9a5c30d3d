import { describe, expect, it } from 'vitest';
import { OK, ReplyError } from '@meridian/engine';
import { NULL_ARRAY, parseReplies, RespPush, shapeReply, writeReply } from '@meridian/resp';

describe('writeReply', () => {
  it('writes RESP2 and RESP3 forms of the same reply', () => {
    const hgetall = shapeReply(['HGETALL', 'h'], ['f', 'v']);
    expect(writeReply(hgetall, 2)).toBe('*2\r\n$1\r\nf\r\n$1\r\nv\r\n');
    expect(writeReply(hgetall, 3)).toBe('%1\r\n$1\r\nf\r\n$1\r\nv\r\n');
    expect(writeReply(shapeReply(['ZSCORE', 'z', 'm'], '1.5'), 2)).toBe('$3\r\n1.5\r\n');
    expect(writeReply(shapeReply(['ZSCORE', 'z', 'm'], '1.5'), 3)).toBe(',1.5\r\n');
    expect(writeReply(shapeReply(['ZRANGE', 'z', '0', '-1', 'WITHSCORES'], ['a', '1']), 3)).toBe(
      '*1\r\n*2\r\n$1\r\na\r\n,1\r\n',
    );
    expect(writeReply(shapeReply(['SMEMBERS', 's'], ['a']), 3)).toBe('~1\r\n$1\r\na\r\n');
    expect(writeReply(null, 2)).toBe('$-1\r\n');
    expect(writeReply(null, 3)).toBe('_\r\n');
    expect(writeReply(NULL_ARRAY, 2)).toBe('*-1\r\n');
    expect(writeReply(shapeReply(['LMPOP', '1', 'k', 'LEFT'], null), 2)).toBe('*-1\r\n');
    expect(writeReply(new RespPush(['message', 'c', 'm']), 3)).toBe('>3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\nm\r\n');
    expect(writeReply(new RespPush(['message', 'c', 'm']), 2)).toBe('*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\nm\r\n');
    expect(writeReply(OK, 3)).toBe('+OK\r\n');
    expect(writeReply(new ReplyError('ERR a\r\nb'), 2)).toBe('-ERR a  b\r\n');
    expect(writeReply(12n ** 20n, 2)).toBe(`:${12n ** 20n}\r\n`);
  });

  it('reads back what it writes in RESP2 (a forwarded answer)', () => {
    const text = writeReply(['a', 1, null, [OK, new ReplyError('ERR x')]], 2);
    expect(parseReplies(text)).toEqual([['a', 1, null, [OK, new ReplyError('ERR x')]]]);
    expect(parseReplies('$5\r\nab')).toBeUndefined();
  });
});
