import { describe, expect, it } from 'vitest';
import { ARGUMENT_ENCODING_HEADER, parseRestRequest } from '@meridian/rest';

const parse = (body: string, latin1: boolean, url = '/') =>
  parseRestRequest(
    {
      method: 'POST',
      url,
      headers: latin1 ? { [ARGUMENT_ENCODING_HEADER]: 'latin1' } : {},
      body: Buffer.from(body, 'utf8'),
    },
    { auth: undefined, requestBytesMax: 1 << 20 },
  );

describe('x-meridian-argument-encoding: latin1 (binary-safe forwarding)', () => {
  const binary = String.fromCharCode(0xff, 0x00, 0xc3, 0x28);
  it('keeps each character as one byte, in commands and pipelines; without it strings are UTF-8', () => {
    expect(parse(JSON.stringify(['SET', 'k', binary]), true)).toMatchObject({
      kind: 'command',
      argv: ['SET', 'k', binary],
    });
    expect(parse(JSON.stringify([['SET', binary, 'v']]), true, '/pipeline')).toMatchObject({
      kind: 'pipeline',
      commands: [['SET', binary, 'v']],
    });
    // As text, U+00FF is two UTF-8 bytes.
    const asText = parse(JSON.stringify(['SET', 'k', binary]), false);
    expect(asText).toMatchObject({ kind: 'command' });
    expect((asText as { argv: string[] }).argv[2]).not.toBe(binary);
  });

  it('refuses a character above U+00FF with a clear error', () => {
    expect(parse(JSON.stringify(['SET', 'k', 'é€']), true)).toMatchObject({
      kind: 'failure',
      status: 400,
      error: expect.stringContaining('above U+00FF'),
    });
  });
});
