import { crc32 } from './crc32.js';
import { ReplicationError } from './errors.js';

/**
 * A frame larger than `frameBytesMax` (one big log entry, one big key in a snapshot) travels as
 * parts, each a message of at most `frameBytesMax` bytes, and the receiver joins them back into the
 * original frame before decoding it. So any value Redis accepts replicates, while every message on
 * the wire, and every WebSocket `maxPayload`, stays within the one limit.
 *
 *   part: 0x04 u32 index, u32 count, payload bytes, then a big-endian CRC-32 of everything before it
 *
 * Parts of one frame are sent in order; only heartbeats and errors (sent out of band) may come
 * between them, and a part out of sequence is a protocol violation.
 */
export const TAG_PART = 0x04;
const PART_HEADER_BYTES = 9;
const CRC_BYTES = 4;
/**
 * The one limit on a replication message, primary to replica: the primary sends no message larger
 * (bigger frames go as parts) and the replica accepts none larger (ws `maxPayload`).
 */
export const FRAME_BYTES_MAX_DEFAULT = 16 * 1024 * 1024;
/** Largest message a replica sends the primary (hello, acks, errors), accepted before the secret is proved. */
export const REPLICA_FRAME_BYTES_MAX = 64 * 1024;
/** The smallest `frameBytesMax` that leaves a part room for a payload. */
export const FRAME_BYTES_MIN = 64;
/** The largest frame a receiver joins from parts (1 GiB, twice Redis's proto-max-bulk-len). */
export const ASSEMBLED_BYTES_MAX_DEFAULT = 1024 * 1024 * 1024;

/** `frame` as it goes on the wire: itself when it fits in `frameBytesMax`, else its parts. */
export function splitFrame(frame: Uint8Array, frameBytesMax: number): Uint8Array[] {
  if (frame.byteLength <= frameBytesMax) return [frame];
  const payloadMax = frameBytesMax - PART_HEADER_BYTES - CRC_BYTES;
  if (payloadMax <= 0) throw new RangeError(`frameBytesMax ${frameBytesMax} is below ${FRAME_BYTES_MIN}`);
  const count = Math.ceil(frame.byteLength / payloadMax);
  const parts: Uint8Array[] = [];
  for (let index = 0; index < count; index++) {
    const payload = frame.subarray(index * payloadMax, Math.min(frame.byteLength, (index + 1) * payloadMax));
    const part = new Uint8Array(PART_HEADER_BYTES + payload.byteLength + CRC_BYTES);
    const view = new DataView(part.buffer, part.byteOffset, part.byteLength);
    part[0] = TAG_PART;
    view.setUint32(1, index, false);
    view.setUint32(5, count, false);
    part.set(payload, PART_HEADER_BYTES);
    const bodyLength = PART_HEADER_BYTES + payload.byteLength;
    view.setUint32(bodyLength, crc32(part, 0, bodyLength), false);
    parts.push(part);
  }
  return parts;
}

export function isPart(bytes: Uint8Array): boolean {
  return bytes[0] === TAG_PART;
}

/** Joins parts back into frames, holding at most `assembledBytesMax` bytes of one frame. */
export class FrameAssembler {
  private parts: Uint8Array[] = [];
  private expectedCount = 0;
  private bytes = 0;

  constructor(private readonly assembledBytesMax = ASSEMBLED_BYTES_MAX_DEFAULT) {}

  /** True while a frame is half received: only its next part may come. */
  get assembling(): boolean {
    return this.expectedCount > 0;
  }

  /** Takes one part; returns the whole frame once its last part is in. Throws ReplicationError. */
  accept(part: Uint8Array): Uint8Array | undefined {
    if (part.byteLength < PART_HEADER_BYTES + CRC_BYTES) throw this.fail('CORRUPT_FRAME', 'part too short');
    const view = new DataView(part.buffer, part.byteOffset, part.byteLength);
    const bodyLength = part.byteLength - CRC_BYTES;
    if (crc32(part, 0, bodyLength) !== view.getUint32(bodyLength, false)) {
      throw this.fail('CORRUPT_FRAME', 'part checksum mismatch');
    }
    const index = view.getUint32(1, false);
    const count = view.getUint32(5, false);
    if (count < 2) throw this.fail('PROTOCOL_VIOLATION', `a frame in ${count} part`);
    if (index !== this.parts.length || (this.expectedCount !== 0 && count !== this.expectedCount)) {
      throw this.fail('PROTOCOL_VIOLATION', `part ${index + 1} of ${count} out of sequence`);
    }
    this.expectedCount = count;
    this.bytes += bodyLength - PART_HEADER_BYTES;
    if (this.bytes > this.assembledBytesMax) {
      throw this.fail('FRAME_TOO_LARGE', `a frame in parts exceeds ${this.assembledBytesMax} bytes`);
    }
    this.parts.push(part.subarray(PART_HEADER_BYTES, bodyLength));
    if (this.parts.length < count) return undefined;
    const frame = new Uint8Array(this.bytes);
    let at = 0;
    for (const payload of this.parts) {
      frame.set(payload, at);
      at += payload.byteLength;
    }
    this.reset();
    return frame;
  }

  reset(): void {
    this.parts = [];
    this.expectedCount = 0;
    this.bytes = 0;
  }

  private fail(code: 'CORRUPT_FRAME' | 'PROTOCOL_VIOLATION' | 'FRAME_TOO_LARGE', message: string): ReplicationError {
    this.reset();
    return new ReplicationError(code, message);
  }
}
