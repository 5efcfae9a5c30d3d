import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { type Reply, ReplyError, SimpleString, OK, PONG, QUEUED } from '@meridian/engine';
import {
  encodeJsonEntries,
  encodeJsonError,
  encodeJsonResult,
  encodeResp,
  encodeRespAll,
  encodeValue,
} from '@meridian/rest';

const b64 = (bytes: string): string => Buffer.from(bytes, 'latin1').toString('base64');

describe('JSON without base64', () => {
  it('encodes every reply kind, keeping the result key for null', () => {
    expect(encodeJsonResult(null, false)).toBe('{"result":null}');
    expect(encodeJsonResult(42, false)).toBe('{"result":42}');
    expect(encodeJsonResult(-7, false)).toBe('{"result":-7}');
    expect(encodeJsonResult(OK, false)).toBe('{"result":"OK"}');
    expect(encodeJsonResult('bar', false)).toBe('{"result":"bar"}');
    expect(encodeJsonResult([], false)).toBe('{"result":[]}');
    expect(encodeJsonResult(['a', 1, null, ['b', PONG]], false)).toBe('{"result":["a",1,null,["b","PONG"]]}');
  });

  it('writes bigints as exact JSON digits', () => {
    expect(encodeJsonResult(9223372036854775807n, false)).toBe('{"result":9223372036854775807}');
    expect(encodeJsonResult([-9223372036854775808n], false)).toBe('{"result":[-9223372036854775808]}');
  });

  it('decodes UTF-8 and replaces invalid sequences with U+FFFD', () => {
    expect(JSON.parse(encodeJsonResult('caf\xc3\xa9 \xe2\x82\xac', false))).toEqual({ result: 'café €' });
    expect(JSON.parse(encodeJsonResult('a\xffb\xc3', false))).toEqual({ result: 'a\ufffdb\ufffd' });
  });

  it('escapes quotes, backslashes and control characters', () => {
    const text = 'q"b\\n\n\x00\x1f\t';
    expect(JSON.parse(encodeJsonResult(text, false))).toEqual({ result: text });
  });

  it('answers errors with the error key only', () => {
    expect(
      encodeJsonResult(new ReplyError('WRONGTYPE Operation against a key holding the wrong kind of value'), true),
    ).toBe('{"error":"WRONGTYPE Operation against a key holding the wrong kind of value"}');
    expect(encodeJsonError('ERR "quoted"')).toBe('{"error":"ERR \\"quoted\\""}');
  });
});

describe('JSON with base64', () => {
  it('encodes bulk strings at any depth, never integers or nulls', () => {
    expect(encodeJsonResult('bar', true)).toBe(`{"result":"${b64('bar')}"}`);
    expect(encodeJsonResult(['a', 1, null, ['\xff\x00', [2n, 'c']]], true)).toBe(
      `{"result":["${b64('a')}",1,null,["${b64('\xff\x00')}",[2,"${b64('c')}"]]]}`,
    );
    expect(encodeJsonResult('', true)).toBe('{"result":""}');
  });

  it('encodes simple strings too, except a top-level OK', () => {
    expect(encodeJsonResult(OK, true)).toBe('{"result":"OK"}');
    expect(encodeJsonResult(PONG, true)).toBe(`{"result":"${b64('PONG')}"}`);
    expect(encodeJsonResult(new SimpleString('string'), true)).toBe(`{"result":"${b64('string')}"}`);
    expect(encodeJsonResult([OK, QUEUED], true)).toBe(`{"result":["${b64('OK')}","${b64('QUEUED')}"]}`);
  });

  it('never encodes errors, also nested ones', () => {
    expect(encodeValue([new ReplyError('ERR x')], true, true)).toBe('["ERR x"]');
    expect(encodeJsonResult(new ReplyError('ERR x'), true)).toBe('{"error":"ERR x"}');
  });

  it('round-trips any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const value = Buffer.from(bytes).toString('latin1');
        const json = JSON.parse(encodeJsonResult([value], true)) as { result: string[] };
        expect(Buffer.from(json.result[0] ?? '', 'base64').equals(Buffer.from(bytes))).toBe(true);
      }),
    );
  });
});

describe('pipeline entries', () => {
  it('gives each entry exactly one key and applies the top-level OK rule per entry', () => {
    const replies: Reply[] = [OK, 'v', null, new ReplyError('ERR boom'), [OK]];
    expect(JSON.parse(encodeJsonEntries(replies, true))).toEqual([
      { result: 'OK' },
      { result: b64('v') },
      { result: null },
      { error: 'ERR boom' },
      { result: [b64('OK')] },
    ]);
    expect(JSON.parse(encodeJsonEntries(replies, false))).toEqual([
      { result: 'OK' },
      { result: 'v' },
      { result: null },
      { error: 'ERR boom' },
      { result: ['OK'] },
    ]);
  });
});

describe('RESP2', () => {
  it('encodes every reply kind', () => {
    expect(encodeResp(null)).toBe('$-1\r\n');
    expect(encodeResp(5)).toBe(':5\r\n');
    expect(encodeResp(-9223372036854775808n)).toBe(':-9223372036854775808\r\n');
    expect(encodeResp('\xff\r\n')).toBe('$3\r\n\xff\r\n\r\n');
    expect(encodeResp(OK)).toBe('+OK\r\n');
    expect(encodeResp(new ReplyError('ERR x'))).toBe('-ERR x\r\n');
    expect(encodeResp(['a', [1, null]])).toBe('*2\r\n$1\r\na\r\n*2\r\n:1\r\n$-1\r\n');
    expect(encodeRespAll([OK, 1])).toBe('+OK\r\n:1\r\n');
  });
});
