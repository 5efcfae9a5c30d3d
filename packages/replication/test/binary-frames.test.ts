import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame, entriesInFrame, type Frame, ReplicationError } from '@meridian/replication';

const byteString = fc.uint8Array({ maxLength: 300 }).map((bytes) => String.fromCharCode(...bytes));
const entries = fc
  .array(fc.array(fc.array(byteString, { minLength: 1, maxLength: 4 }), { maxLength: 3 }), { maxLength: 5 })
  .chain((effects) =>
    fc
      .tuple(fc.integer({ min: 0, max: 2 ** 40 }), fc.double({ noNaN: true, noDefaultInfinity: true }))
      .map(([first, timeMs]) => effects.map((effect, i) => ({ offset: first + i, timeMs, effects: effect }))),
  );

/** A frame body with a valid checksum, so only the layout checks stand between it and the decoder. */
function withChecksum(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(body.length + 4);
  out.set(body);
  new DataView(out.buffer).setUint32(body.length, crc32(body));
  return out;
}

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? 0xedb88320 ^ (crc >>> 1) : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function uint32(value: number): number[] {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value);
  return [...bytes];
}

function float64(value: number): number[] {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setFloat64(0, value);
  return [...bytes];
}

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return error instanceof ReplicationError ? error.code : `not a ReplicationError: ${String(error)}`;
  }
  return undefined;
}

describe('binary frames (entries, ack, heartbeat)', () => {
  it('round-trip entries with every byte value intact', () => {
    fc.assert(
      fc.property(entries, (list) => {
        const frame: Frame = { t: 'entries', entries: list };
        expect(decodeFrame(encodeFrame(frame))).toEqual(frame);
      }),
    );
  });

  it('lay entries out byte for byte as the layout says, short and long arguments alike', () => {
    fc.assert(
      fc.property(entries, (list) => {
        const body: number[] = [0x01, ...uint32(list.length)];
        for (const entry of list) {
          body.push(...float64(entry.offset), ...float64(entry.timeMs), ...uint32(entry.effects.length));
          for (const command of entry.effects) {
            body.push(...uint32(command.length));
            for (const argument of command) {
              body.push(...uint32(argument.length));
              for (let i = 0; i < argument.length; i++) body.push(argument.charCodeAt(i));
            }
          }
        }
        expect([...encodeFrame({ t: 'entries', entries: list })]).toEqual([...withChecksum(Uint8Array.from(body))]);
      }),
    );
  });

  it('say their entry count in the header (entriesInFrame), 0 for a frame that carries none', () => {
    fc.assert(
      fc.property(entries, (list) => {
        expect(entriesInFrame(encodeFrame({ t: 'entries', entries: list }))).toBe(list.length);
      }),
    );
    expect(entriesInFrame(encodeFrame({ t: 'ack', appliedOffset: 7 }))).toBe(0);
    expect(entriesInFrame(encodeFrame({ t: 'heartbeat', primaryOffset: 7, primaryTimeMs: 1 }))).toBe(0);
    expect(entriesInFrame(new Uint8Array(0))).toBe(0);
  });

  it('round-trip arguments of every length up to 20 bytes with every byte value (short ones are read in JavaScript)', () => {
    const effects: string[][] = [];
    for (let length = 0; length <= 20; length++) {
      for (let start = 0; start < 256; start += 7) {
        const codes = Array.from({ length }, (_, i) => (start + i * 37) % 256);
        effects.push([String.fromCharCode(...codes), String.fromCharCode(...codes.reverse())]);
      }
    }
    const frame: Frame = { t: 'entries', entries: [{ offset: 1, timeMs: 2, effects }] };
    expect(decodeFrame(encodeFrame(frame))).toEqual(frame);
  });

  it('carry byte strings as their bytes, one byte per code unit', () => {
    const value = '\u0000\u007f\u0080\u00ff';
    const frame = encodeFrame({ t: 'entries', entries: [{ offset: 1, timeMs: 2, effects: [['SET', 'k', value]] }] });
    // tag, count, offset, time, effect count, argc, 3 × (length + bytes), CRC
    expect(frame.length).toBe(1 + 4 + 8 + 8 + 4 + 4 + (4 + 3) + (4 + 1) + (4 + 4) + 4);
  });

  it('a checksummed but truncated or padded entries body is CORRUPT_FRAME', () => {
    const frame = encodeFrame({
      t: 'entries',
      entries: [{ offset: 7, timeMs: 1, effects: [['SET', 'key', 'value']] }],
    });
    const body = frame.subarray(0, frame.length - 4);
    for (let cut = 1; cut < body.length; cut++) {
      expect(codeOf(() => decodeFrame(withChecksum(body.subarray(0, cut))))).toBe('CORRUPT_FRAME');
    }
    const padded = new Uint8Array(body.length + 1);
    padded.set(body);
    expect(codeOf(() => decodeFrame(withChecksum(padded)))).toBe('CORRUPT_FRAME');
  });

  it('random checksummed bodies after a binary tag decode to a frame or CORRUPT_FRAME, nothing else', () => {
    fc.assert(
      fc.property(fc.constantFrom(1, 2, 3), fc.uint8Array({ maxLength: 120 }), (tag, rest) => {
        const body = new Uint8Array(rest.length + 1);
        body[0] = tag;
        body.set(rest, 1);
        const code = codeOf(() => decodeFrame(withChecksum(body)));
        expect(code === undefined || code === 'CORRUPT_FRAME').toBe(true);
      }),
    );
  });

  it('reject negative or fractional offsets and non-finite times', () => {
    const bad: Frame[] = [
      { t: 'ack', appliedOffset: -1 },
      { t: 'ack', appliedOffset: 1.5 },
      { t: 'heartbeat', primaryOffset: 1, primaryTimeMs: Infinity },
      { t: 'entries', entries: [{ offset: 1, timeMs: Number.NaN, effects: [] }] },
    ];
    for (const frame of bad) expect(codeOf(() => decodeFrame(encodeFrame(frame)))).toBe('CORRUPT_FRAME');
  });
});
