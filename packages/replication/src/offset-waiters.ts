import type { TimerHandle } from '@meridian/lag';

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
 * order they started waiting, without walking the others: they are also kept in a binary heap by
 * offset, so an apply looks at the heap's top only, and a turn that reached no waiter's offset costs
 * one comparison (walking every waiter on every apply turn cost a replica serving thousands of
 * waiting session reads more than its applies). A waiter settled otherwise (its timeout) stays in
 * the heap until its offset comes up or the heap is rebuilt without it (when such waiters are most
 * of it).
 */
export class OffsetWaiters {
  private readonly waiting = new Set<OffsetWaiter>();
  private heap: OffsetWaiter[] = [];
  private sequence = 0;

  /** Waiters the heap holds, those taken out but not yet come up included (at most twice those waiting, or 64). */
  get held(): number {
    return this.heap.length;
  }

  add(offset: number, resolve: (reached: boolean) => void): OffsetWaiter {
    const waiter: OffsetWaiter = { offset, sequence: this.sequence++, resolve, timer: undefined };
    if (this.heap.length >= 64 && this.heap.length > 2 * this.waiting.size) this.rebuild();
    this.waiting.add(waiter);
    this.push(waiter);
    return waiter;
  }

  /** Takes `waiter` out (it is settled by its caller); false when it was settled already. */
  remove(waiter: OffsetWaiter): boolean {
    return this.waiting.delete(waiter);
  }

  /** Takes out and returns the waiters whose offset `applied` reached, in the order they started waiting. */
  reached(applied: number): OffsetWaiter[] | undefined {
    const heap = this.heap;
    if (heap.length === 0 || (heap[0] as OffsetWaiter).offset > applied) return undefined;
    const reached: OffsetWaiter[] = [];
    while (heap.length > 0 && (heap[0] as OffsetWaiter).offset <= applied) {
      const waiter = this.pop();
      if (this.waiting.delete(waiter)) reached.push(waiter);
    }
    if (reached.length > 1) reached.sort((a, b) => a.sequence - b.sequence);
    return reached;
  }

  /** Takes out and returns every waiter, in the order they started waiting. */
  takeAll(): OffsetWaiter[] {
    const all = [...this.waiting];
    this.waiting.clear();
    this.heap = [];
    return all;
  }

  private rebuild(): void {
    this.heap = [];
    for (const waiter of this.waiting) this.push(waiter);
  }

  private push(waiter: OffsetWaiter): void {
    const heap = this.heap;
    let i = heap.length;
    heap.push(waiter);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const above = heap[parent] as OffsetWaiter;
      if (!before(waiter, above)) break;
      heap[i] = above;
      i = parent;
    }
    heap[i] = waiter;
  }

  private pop(): OffsetWaiter {
    const heap = this.heap;
    const top = heap[0] as OffsetWaiter;
    const last = heap.pop() as OffsetWaiter;
    const length = heap.length;
    if (length === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= length) break;
      const right = left + 1;
      let child = left;
      if (right < length && before(heap[right] as OffsetWaiter, heap[left] as OffsetWaiter)) child = right;
      const below = heap[child] as OffsetWaiter;
      if (!before(below, last)) break;
      heap[i] = below;
      i = child;
    }
    heap[i] = last;
    return top;
  }
}

function before(a: OffsetWaiter, b: OffsetWaiter): boolean {
  return a.offset < b.offset || (a.offset === b.offset && a.sequence < b.sequence);
}
