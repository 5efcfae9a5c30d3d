import { describe, expect, it } from 'vitest';
import { RespParser, RespProtocolError } from '@meridian/resp';

const bytes = (text: string): Uint8Array => Uint8Array.from(text, (char) => char.charCodeAt(0));

function drain(parser: RespParser): (string[] | RespProtocolError)[] {
  const out: (string[] | RespProtocolError)[] = [];
  for (;;) {
    const next = parser.next();
    if (next === undefined) return out;
    out.push(next);
    if (next instanceof RespProtocolError) return out;
  }
}

function parse(text: string, options: ConstructorParameters<typeof RespParser>[0] = {}): (string[] | string)[] {
  const parser = new RespParser(options);
  parser.push(bytes(text));
  return drain(parser).map((item) => (item instanceof RespProtocolError ? (item.reply ?? item.code) : item));
}

describe('RespParser', () => {
  it('reads pipelined multibulk commands', () => {
    expect(parse('*1\r\n$4\r\nPING\r\n*3\r\n$3\r\nSET\r\n$1\r\na\r\n$0\r\n\r\n')).toEqual([['PING'], ['SET', 'a', '']]);
  });

  it('reads a command split at every byte', () => {
    const text = '*2\r\n$3\r\nGET\r\n$5\r\nh\xffllo\r\nPING x\r\n';
    const parser = new RespParser();
    const out: (string[] | RespProtocolError)[] = [];
    for (const char of text) {
      parser.push(bytes(char));
      out.push(...drain(parser));
    }
    expect(out).toEqual([
      ['GET', 'h\xffllo'],
      ['PING', 'x'],
    ]);
  });

  it('reads inline commands with quotes and escapes; skips empty lines and empty multibulks', () => {
    expect(parse("\r\nSET k \"a b\\x41\\n\" 'it\\'s'\n*0\r\n*-1\r\nPING\r\n")).toEqual([
      ['SET', 'k', 'a bA\n', "it's"],
      ['PING'],
    ]);
  });

  it("answers malformed frames with Redis's error texts", () => {
    expect(parse('*a\r\n')).toEqual(['ERR Protocol error: invalid multibulk length']);
    expect(parse('*2\r\nx3\r\n')).toEqual(["ERR Protocol error: expected '$', got 'x'"]);
    expect(parse('*1\r\n$-1\r\n')).toEqual(['ERR Protocol error: invalid bulk length']);
    expect(parse('*1\r\n$536870913\r\n')).toEqual(['ERR Protocol error: invalid bulk length']);
    expect(parse('*1048577\r\n')).toEqual(['ERR Protocol error: invalid multibulk length']);
    expect(parse('PING "a\r\n')).toEqual(['ERR Protocol error: unbalanced quotes in request']);
    expect(parse('PING "a"b\r\n')).toEqual(['ERR Protocol error: unbalanced quotes in request']);
    expect(parse('x'.repeat(70_000))).toEqual(['ERR Protocol error: too big inline request']);
    expect(parse(`*${'1'.repeat(70_000)}`)).toEqual(['ERR Protocol error: too big mbulk count string']);
  });

  it('applies the tighter limits before AUTH', () => {
    const authRequired = (): boolean => true;
    expect(parse('*11\r\n', { authRequired })).toEqual(['ERR Protocol error: unauthenticated multibulk length']);
    expect(parse('*1\r\n$16385\r\n', { authRequired })).toEqual(['ERR Protocol error: unauthenticated bulk length']);
    expect(parse('*1\r\n$4\r\nPING\r\n', { authRequired })).toEqual([['PING']]);
  });

  it('stops at the query buffer limit without a reply', () => {
    const parser = new RespParser({ limits: { queryBufferBytesMax: 100 } });
    parser.push(bytes('*1\r\n$200\r\n' + 'x'.repeat(150)));
    const next = parser.next();
    expect(next).toBeInstanceOf(RespProtocolError);
    expect((next as RespProtocolError).code).toBe('MERIDIAN_RESP_QUERY_BUFFER');
    expect((next as RespProtocolError).reply).toBeUndefined();
  });

  it('holds a large bulk argument across many chunks', () => {
    const value = 'v'.repeat(300_000);
    const parser = new RespParser();
    const frame = bytes(`*2\r\n$3\r\nSET\r\n$${value.length}\r\n${value}\r\n`);
    for (let i = 0; i < frame.length; i += 1000) parser.push(frame.subarray(i, i + 1000));
    expect(drain(parser)).toEqual([['SET', value]]);
  });

  it('never throws on random frames (fuzz, seeded)', () => {
    let seed = 12345;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const alphabet = ['*', '$', '\r', '\n', '-', '1', '2', '0', '9', 'a', ' ', '"', "'", '\\', 'x', '\xff'];
    for (let round = 0; round < 2000; round++) {
      const parser = new RespParser({ authRequired: () => random() < 0.5 });
      let text = '';
      const length = Math.floor(random() * 64);
      for (let i = 0; i < length; i++) text += alphabet[Math.floor(random() * alphabet.length)];
      for (let i = 0; i < text.length; i += 1 + Math.floor(random() * 8)) {
        parser.push(bytes(text.slice(i, i + 1 + Math.floor(random() * 8))));
        expect(() => drain(parser)).not.toThrow();
      }
    }
  });
});
