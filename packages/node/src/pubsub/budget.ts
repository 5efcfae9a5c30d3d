/** Per-subscriber bounds on what was handed to the socket but not yet sent. */
export interface BufferLimits {
  /** Unsent bytes above which the next message disconnects the subscriber. */
  readonly bufferBytesMax: number;
  /** Messages handed to the socket and not yet flushed, above which the subscriber is disconnected. */
  readonly bufferMessagesMax: number;
}

export const BUFFER_LIMITS_DEFAULT: BufferLimits = { bufferBytesMax: 1024 * 1024, bufferMessagesMax: 10_000 };

/**
 * Counts a subscriber's unflushed messages (each write's callback settles one) beside the bytes its
 * socket holds, so a client that stops reading is found before it costs more than the limits.
 */
export class SendBudget {
  private pending = 0;
  readonly settle = (): void => {
    this.pending--;
  };

  constructor(
    private readonly limits: BufferLimits,
    private readonly bufferedBytes: () => number,
  ) {}

  /** Whether another message may be written; when true, call `settle` once it is flushed. */
  take(): boolean {
    if (this.pending >= this.limits.bufferMessagesMax || this.overBytes()) return false;
    this.pending++;
    return true;
  }

  /** The socket holds more than the byte limit: the client is not reading, a final word would not arrive. */
  overBytes(): boolean {
    return this.bufferedBytes() > this.limits.bufferBytesMax;
  }
}
