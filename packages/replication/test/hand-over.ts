import { ConnectionBase, decodeFrame, type Frame } from '@meridian/replication';

/** A connection the test hands frames to, as a socket read would, keeping what the replica sends (decoded). */
export class HandOverConnection extends ConnectionBase {
  readonly sent: Frame[] = [];
  send(frame: Uint8Array): void {
    this.sent.push(decodeFrame(frame));
  }
  close(code: number, reason: string): void {
    this.emitClose(code, reason);
  }
  bytesBuffered(): number {
    return 0;
  }
  deliver(bytes: Uint8Array): void {
    this.emitMessage(bytes);
  }
}
