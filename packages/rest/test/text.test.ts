import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bytesToText, percentDecode, textToBytes } from '@meridian/rest';

describe('byte strings at the edge', () => {
  it('turns text into UTF-8 bytes and back', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) => {
        const bytes = textToBytes(text);
        expect(Buffer.from(bytes, 'latin1').equals(Buffer.from(text, 'utf8'))).toBe(true);
        expect(bytesToText(bytes)).toBe(text);
      }),
    );
  });

  it('percent-decodes to the same bytes as encodeURIComponent encodes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) => {
        expect(percentDecode(encodeURIComponent(text))).toBe(textToBytes(text));
      }),
    );
    expect(percentDecode('%ff%FF%00')).toBe('\xff\xff\x00');
    expect(percentDecode('100%')).toBe('100%');
    expect(percentDecode('€')).toBe('\xe2\x82\xac');
    expect(percentDecode('😀')).toBe('\xf0\x9f\x98\x80');
  });
});
