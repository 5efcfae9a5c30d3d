// What the in-process replication benches (bench-replication-alloc.mjs, bench-replication-cpu.mjs)
// feed a ReplicationReplica with: a connection that hands frames over without a socket, and the
// system clock with the replica's apply turns run when the bench says.
import { ConnectionBase, SystemClock } from '../packages/replication/dist/index.js';

/** A connection the bench hands each frame to, as a socket read would; what the replica sends is dropped. */
export class HandOverConnection extends ConnectionBase {
  send() {}
  close() {}
  bytesBuffered() {
    return 0;
  }
  deliver(bytes) {
    this.emitMessage(bytes);
  }
}

/**
 * The system clock whose zero-delay timers and after-event callbacks (the replica's apply turn)
 * run when `runTimers` is called (after each frame).
 */
export class TurnClock extends SystemClock {
  timers = [];
  setTimer(delayMs, callback) {
    this.timers.push(callback);
    return { cancel: () => undefined };
  }
  afterEvent(callback) {
    this.timers.push(callback);
  }
  runTimers() {
    const timers = this.timers;
    this.timers = [];
    for (const callback of timers) callback();
  }
}
