/**
 * Things on their way, taken out once they arrived: a binary heap on arrival time (or any number that
 * only grows as things are taken: a replica's waiters wait on log offsets). For answers whose arrival
 * time is known when they are sent, so none needs a timer of its own (the simulator's reads). Items
 * due at the same time come out in no particular order.
 * The times are kept in a typed array and both arrays keep their room when the heap shrinks: a push
 * or a take writes in place (Array.prototype.push and pop were calls into the runtime for each).
 */
export class ArrivalQueue<T> {
  private times = new Float64Array(INITIAL_CAPACITY);
  /** Items at [0, size); slots past it hold undefined. */
  private readonly items: (T | undefined)[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  push(atMs: number, item: T): void {
    if (this.count === this.times.length) this.grow();
    const times = this.times;
    const items = this.items;
    let i = this.count++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const parentMs = times[parent] as number;
      if (parentMs <= atMs) break;
      times[i] = parentMs;
      items[i] = items[parent];
      i = parent;
    }
    times[i] = atMs;
    items[i] = item;
  }

  /** The earliest item, removed, if it arrived by `untilMs`; otherwise undefined. */
  takeArrived(untilMs: number): T | undefined {
    const times = this.times;
    const items = this.items;
    if (this.count === 0 || (times[0] as number) > untilMs) return undefined;
    const first = items[0] as T;
    const length = --this.count;
    const lastMs = times[length] as number;
    const last = items[length];
    items[length] = undefined;
    if (length === 0) return first;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= length) break;
      const right = left + 1;
      const child = right < length && (times[right] as number) < (times[left] as number) ? right : left;
      const childMs = times[child] as number;
      if (childMs >= lastMs) break;
      times[i] = childMs;
      items[i] = items[child];
      i = child;
    }
    times[i] = lastMs;
    items[i] = last;
    return first;
  }

  private grow(): void {
    const times = new Float64Array(this.times.length * 2);
    times.set(this.times);
    this.times = times;
  }
}

/** Room for this many answers at first (a client's answers in flight, usually a handful). */
const INITIAL_CAPACITY = 16;
