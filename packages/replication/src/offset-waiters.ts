import { ArrivalQueue, type TimerHandle } from '@meridian/lag';

/** A read waiting for the replica to apply `offset` (a sync token). */
export interface OffsetWaiter {
  readonly offset: number;
  /** When it started waiting, among the others: they are settled in this order. */
  readonly sequence: number;
  readonly resolve: (reached: boolean) => void;
  timer: TimerHandle | undefined;
}

/**
 * The reads a replica has waiting for offsets. An apply settles those its offset reached, in the
 * order they started waiting, without walking the others: they are also queued by offset
 * (ArrivalQueue), so an apply looks at the queue's head only, and a turn that reached no waiter's
 * offset costs one comparison (walking every waiter on every apply turn cost a replica serving
 * thousands of waiting session reads more than its applies). A waiter settled otherwise (its
 * timeout) stays queued until its offset comes up or the queue is rebuilt without it (when such
 * waiters are most of it).
 */
export class OffsetWaiters {
  private readonly waiting = new Set<OffsetWaiter>();
  private queue = new ArrivalQueue<OffsetWaiter>();
  private sequence = 0;

  /** Waiters queued, those taken out but not yet come up included (at most twice those waiting, or 64). */
  get held(): number {
    return this.queue.size;
  }

  add(offset: number, resolve: (reached: boolean) => void): OffsetWaiter {
    const waiter: OffsetWaiter = { offset, sequence: this.sequence++, resolve, timer: undefined };
    if (this.queue.size >= 64 && this.queue.size > 2 * this.waiting.size) this.rebuild();
    this.waiting.add(waiter);
    this.queue.push(offset, waiter);
    return waiter;
  }

  /** Takes `waiter` out (it is settled by its caller); false when it was settled already. */
  remove(waiter: OffsetWaiter): boolean {
    return this.waiting.delete(waiter);
  }

  /** Takes out and returns the waiters whose offset `applied` reached, in the order they started waiting. */
  reached(applied: number): OffsetWaiter[] | undefined {
    let reached: OffsetWaiter[] | undefined;
    for (let waiter = this.queue.takeArrived(applied); waiter !== undefined; waiter = this.queue.takeArrived(applied)) {
      if (this.waiting.delete(waiter)) (reached ??= []).push(waiter);
    }
    if (reached !== undefined && reached.length > 1) reached.sort((a, b) => a.sequence - b.sequence);
    return reached;
  }

  /** Takes out and returns every waiter, in the order they started waiting. */
  takeAll(): OffsetWaiter[] {
    const all = [...this.waiting];
    this.waiting.clear();
    this.queue = new ArrivalQueue();
    return all;
  }

  private rebuild(): void {
    this.queue = new ArrivalQueue();
    for (const waiter of this.waiting) this.queue.push(waiter.offset, waiter);
  }
}
