import { describe, expect, it } from 'vitest';
import { encodeFrame, ReplicationError } from '@meridian/replication';
import { SharedFrameDecoder } from '../src/model/nodes.js';

describe('SharedFrameDecoder', () => {
  it('decodes the bytes of an entries frame once and hands the same frame to every replica', () => {
    const decoder = new SharedFrameDecoder();
    const bytes = encodeFrame({ t: 'entries', entries: [{ offset: 7, timeMs: 12.5, effects: [['SET', 'k', 'v']] }] });
    const first = decoder.decode(bytes);
    expect(first).toEqual({ t: 'entries', entries: [{ offset: 7, timeMs: 12.5, effects: [['SET', 'k', 'v']] }] });
    expect(decoder.decode(bytes)).toBe(first);
    // Equal bytes in another buffer are another frame: only the bytes the primary shared are shared.
    expect(decoder.decode(Uint8Array.from(bytes))).not.toBe(first);
  });

  it('decodes other frames each time, and rejects corrupt bytes each time as decodeFrame does', () => {
    const decoder = new SharedFrameDecoder();
    const heartbeat = encodeFrame({ t: 'heartbeat', primaryOffset: 3, primaryTimeMs: 40 });
    expect(decoder.decode(heartbeat)).not.toBe(decoder.decode(heartbeat));
    const corrupt = encodeFrame({ t: 'entries', entries: [] });
    corrupt[1] = (corrupt[1] as number) ^ 0xff;
    expect(() => decoder.decode(corrupt)).toThrow(ReplicationError);
    expect(() => decoder.decode(corrupt)).toThrow(/checksum/);
  });
});
