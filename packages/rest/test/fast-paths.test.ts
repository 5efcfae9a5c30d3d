import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { OK, type Reply, SimpleString } from '@meridian/engine';
import {
  type ParsedRestRequest,
  RestAuth,
  bytesToText,
  encodeJsonResult,
  parseRestRequest,
  textToBytes,
} from '@meridian/rest';

// The hot path skips UTF-8 conversion for ASCII bodies, reuses JSON.parse's arrays as argv and
// quotes plain ASCII replies itself; these check it answers exactly as the general path does.

const auth = new RestAuth({ token: 'std-token' });

function parse(url: string, body: Buffer): ParsedRestRequest {
  return parseRestRequest({ method: 'POST', url, headers: { authorization: 'Bearer std-token' }, body }, { auth });
}

function pipelineOf(parsed: ParsedRestRequest): string[][] {
  if (parsed.kind !== 'pipeline') throw new Error(`expected a pipeline, got ${JSON.stringify(parsed)}`);
  return parsed.commands;
}

const argument = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.string({ maxLength: 12 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
);

function expectedBytes(value: string | number | boolean): string {
  if (typeof value === 'string') return textToBytes(value);
  return typeof value === 'number' ? String(value) : String(value);
}

describe('request bodies', () => {
  it('turns every argument into the UTF-8 bytes of its text, whichever way the JSON spells it', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(argument, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 5 }),
        fc.boolean(),
        (commands, asciiEscapes) => {
          let text = JSON.stringify(commands);
          // The same JSON with every non-ASCII character as a \u escape: an all-ASCII body.
          if (asciiEscapes)
            text = text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
          const parsed = pipelineOf(parse('/pipeline', Buffer.from(text, 'utf8')));
          expect(parsed).toEqual(commands.map((argv) => argv.map(expectedBytes)));
        },
      ),
    );
  });

  it('keeps raw UTF-8, \\u escapes and invalid bytes as the general path does', () => {
    const escaped = pipelineOf(parse('/pipeline', Buffer.from('[["SET","k","caf\\u00e9 \\u20ac"]]')));
    expect(escaped).toEqual([['SET', 'k', 'caf\xc3\xa9 \xe2\x82\xac']]);
    const raw = pipelineOf(parse('/pipeline', Buffer.from('[["SET","k","café €"]]', 'utf8')));
    expect(raw).toEqual(escaped);
    const padding = Array.from({ length: 40 }, (_, i) => ['GET', `key:${i}`]);
    const large = pipelineOf(
      parse('/pipeline', Buffer.from(JSON.stringify(padding).replace(/]$/, ',["SET","k","caf\\u00e9"]]'))),
    );
    expect(large.at(-1)).toEqual(['SET', 'k', 'caf\xc3\xa9']);
    expect(large.slice(0, 40)).toEqual(padding);
    const invalid = parse('/', Buffer.concat([Buffer.from('["SET","k","a'), Buffer.from([0xff]), Buffer.from('"]')]));
    expect(invalid.kind === 'command' && invalid.argv).toEqual(['SET', 'k', 'a\xef\xbf\xbd']);
  });

  it('names the failing command of a pipeline', () => {
    const parsed = parse('/pipeline', Buffer.from('[["GET","a"],["SET","b",{"x":1}]]'));
    expect(parsed).toMatchObject({
      kind: 'failure',
      status: 400,
      error:
        'ERR invalid argument at index 2 (pipeline command 1): arguments must be strings, numbers or booleans, got an object',
    });
    expect(parse('/multi-exec', Buffer.from('[["GET","a"],[]]'))).toMatchObject({
      kind: 'failure',
      error: 'ERR empty command (transaction command 1)',
    });
  });
});

describe('reply encoding', () => {
  it('writes every bulk string as JSON.stringify of its UTF-8 text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 20 }), fc.string({ maxLength: 20 }), (text, unicode) => {
        for (const bytes of [text.replace(/[^\x00-\xff]/g, '?'), textToBytes(unicode)]) {
          expect(encodeJsonResult(bytes, false)).toBe(`{"result":${JSON.stringify(bytesToText(bytes))}}`);
          const nested: Reply = [bytes, [bytes]];
          const inner = JSON.stringify(bytesToText(bytes));
          expect(encodeJsonResult(nested, false)).toBe(`{"result":[${inner},[${inner}]]}`);
        }
      }),
    );
  });

  it('answers OK the same for the shared constant and any other OK status', () => {
    expect(encodeJsonResult(OK, false)).toBe('{"result":"OK"}');
    expect(encodeJsonResult(OK, true)).toBe('{"result":"OK"}');
    expect(encodeJsonResult(new SimpleString('OK'), true)).toBe('{"result":"OK"}');
  });
});
