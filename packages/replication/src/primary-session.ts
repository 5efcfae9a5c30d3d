import { assert } from '@meridian/engine';
import type { Clock, TimerHandle } from '@meridian/lag';
import type { LogEntry, ReadResult, WriteLog } from '@meridian/store';
import { CLOSE_CODE_ERROR, type ReplicationErrorCode, ReplicationError } from './errors.js';
import { splitFrame } from './frame-parts.js';
import { decodeFrame, encodeFrame, type Frame } from './protocol.js';
import type { Connection, ConnectionHandlers } from './transport.js';

export type SessionState = 'handshake' | 'snapshot' | 'catch-up' | 'live' | 'closed';

/** What a session needs from its primary. */
export interface SessionHost {
  readonly log: WriteLog;
  readonly clock: Clock;
  readonly limits: {
    frameBytesMax: number;
    /** The largest frame sent as parts (what a replica joins back together). */
    assembledBytesMax: number;
    backlogBytesMax: number;
    catchUpWindowBytes: number;
    entriesPerFrameMax: number;
  };
  /** Reads the log; replicas at the same position in one pump turn share what was read. */
  readLog(fromOffset: number, entriesMax: number, bytesMax: number): ReadResult;
  /** Encodes an entries frame; replicas at the same position in one pump turn share the bytes. */
  encodeEntries(entries: readonly LogEntry[]): Uint8Array;
  onFrame(session: ReplicaSession, frame: Frame): void;
  onClosed(session: ReplicaSession, code: number, reason: string): void;
}

/** One replica's connection on the primary: its sync state, send pacing and acks. */
export class ReplicaSession {
  state: SessionState = 'handshake';
  replicaId = '';
  region = '';
  /** The next log offset to send. */
  nextOffset = 0;
  ackedOffset = 0;
  ackedAtMs = 0;
  readonly connectedAtMs: number;
  private snapshotFrames: Uint8Array[] = [];
  /** Bytes of entries sent as parts during the current pump. */
  private partBytesSent = 0;
  private snapshotIndex = 0;
  private snapshotOffset = 0;
  private handshakeTimer: TimerHandle | undefined;
  readonly handlers: ConnectionHandlers;

  constructor(
    public connection: Connection,
    private readonly host: SessionHost,
    handshakeTimeoutMs: number,
  ) {
    this.connectedAtMs = host.clock.nowMs();
    this.handlers = {
      message: (bytes) => this.receive(bytes),
      close: (code, reason) => this.closed(code, reason),
      drain: () => {
        if (this.state === 'snapshot' || this.state === 'catch-up') this.pump();
      },
    };
    connection.setHandlers(this.handlers);
    this.handshakeTimer = host.clock.setTimer(handshakeTimeoutMs, () => {
      if (this.state === 'handshake') this.fail('HANDSHAKE_TIMEOUT', `no hello within ${handshakeTimeoutMs} ms`);
    });
  }

  /** Replaces the connection (e.g. with a lag-injecting wrapper) after the handshake. */
  useConnection(connection: Connection): void {
    this.connection = connection;
    connection.setHandlers(this.handlers);
  }

  send(frame: Frame): void {
    this.connection.send(encodeFrame(frame));
  }

  /** Sends an error frame and closes; the close reason carries the code too. */
  fail(code: ReplicationErrorCode, message: string): void {
    if (this.state === 'closed') return;
    this.send({ t: 'error', code, message });
    this.connection.close(CLOSE_CODE_ERROR, code);
  }

  startSnapshot(frames: Uint8Array[], offset: number): void {
    this.stopHandshakeTimer();
    this.snapshotFrames = frames;
    this.snapshotIndex = 0;
    this.snapshotOffset = offset;
    this.state = 'snapshot';
    this.pump();
  }

  startCatchUp(fromOffset: number): void {
    this.stopHandshakeTimer();
    this.nextOffset = fromOffset;
    this.state = 'catch-up';
    this.pump();
  }

  /**
   * Sends what the replica is owed. Snapshot and catch-up are paced by the transport's buffer
   * (`catchUpWindowBytes`); once caught up the session is live and sends each batch at once, and a
   * buffer above `backlogBytesMax` cuts the replica off (it resyncs), so memory stays bounded.
   */
  pump(): void {
    const { catchUpWindowBytes, backlogBytesMax } = this.host.limits;
    if (this.state === 'snapshot') {
      while (this.snapshotIndex < this.snapshotFrames.length) {
        if (this.connection.bytesBuffered() >= catchUpWindowBytes) return;
        this.connection.send(this.snapshotFrames[this.snapshotIndex++] as Uint8Array);
      }
      this.snapshotFrames = [];
      this.startCatchUp(this.snapshotOffset + 1);
      return;
    }
    if (this.state !== 'catch-up' && this.state !== 'live') return;
    const wasLive = this.state === 'live';
    this.partBytesSent = 0;
    try {
      while (this.nextOffset <= this.host.log.lastOffset()) {
        if (this.state === 'catch-up' && this.connection.bytesBuffered() >= catchUpWindowBytes) return;
        this.sendNextBatch();
      }
    } catch (error) {
      if (!(error instanceof ReplicationError)) throw error;
      this.fail(error.code, error.message);
      return;
    }
    this.state = 'live';
    // An entry sent as parts may exceed the backlog alone: only what is queued besides it counts.
    if (wasLive && this.connection.bytesBuffered() - this.partBytesSent > backlogBytesMax) {
      this.fail('BACKLOG_EXCEEDED', `send backlog ${this.connection.bytesBuffered()} bytes > ${backlogBytesMax}`);
    }
  }

  private sendNextBatch(): void {
    const { frameBytesMax, assembledBytesMax, entriesPerFrameMax, catchUpWindowBytes } = this.host.limits;
    let entriesMax = entriesPerFrameMax;
    // Catch-up frames stay well inside the pacing window; live frames carry whatever accumulated.
    const readBytesMax = Math.floor(
      this.state === 'catch-up' ? Math.min(frameBytesMax / 4, catchUpWindowBytes / 2) : frameBytesMax / 4,
    );
    for (;;) {
      const read = this.host.readLog(this.nextOffset, entriesMax, readBytesMax);
      if (read.kind === 'truncated') {
        throw new ReplicationError(
          'OFFSET_TOO_OLD',
          `offset ${this.nextOffset} is gone (log starts at ${read.firstOffset})`,
        );
      }
      const frame = this.host.encodeEntries(read.entries);
      if (frame.byteLength > frameBytesMax && read.entries.length > 1) {
        entriesMax = Math.max(1, Math.floor(read.entries.length / 2));
        continue;
      }
      const last = read.entries[read.entries.length - 1];
      if (last === undefined) assert(false, `write log returned no entries at ${this.nextOffset}`);
      if (frame.byteLength > frameBytesMax) this.sendParts(frame, frameBytesMax, assembledBytesMax);
      else this.connection.send(frame);
      this.nextOffset = last.offset + 1;
      return;
    }
  }

  /** One entry larger than a message: sent as parts, or refused loudly past what a replica joins. */
  private sendParts(frame: Uint8Array, frameBytesMax: number, assembledBytesMax: number): void {
    if (frame.byteLength > assembledBytesMax) {
      throw new ReplicationError(
        'FRAME_TOO_LARGE',
        `entry ${this.nextOffset} needs ${frame.byteLength} bytes > ${assembledBytesMax} even in parts`,
      );
    }
    for (const part of splitFrame(frame, frameBytesMax)) this.connection.send(part);
    this.partBytesSent += frame.byteLength;
  }

  private receive(bytes: Uint8Array): void {
    let frame: Frame;
    try {
      frame = decodeFrame(bytes);
    } catch (error) {
      if (!(error instanceof ReplicationError)) throw error;
      this.fail(error.code, error.message);
      return;
    }
    this.host.onFrame(this, frame);
  }

  private closed(code: number, reason: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.stopHandshakeTimer();
    this.snapshotFrames = [];
    this.host.onClosed(this, code, reason);
  }

  private stopHandshakeTimer(): void {
    this.handshakeTimer?.cancel();
    this.handshakeTimer = undefined;
  }
}
