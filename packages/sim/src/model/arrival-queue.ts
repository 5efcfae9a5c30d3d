/**
 * Things on their way, taken out once they arrived: a binary heap on arrival time. For answers whose
 * arrival time is known when they are sent, so none needs a timer of its own (see Traffic's reads).
 */
export class ArrivalQueue<T> {
  private readonly times: number[] = [];
  private readonly items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  push(atMs: number, item: T): void {
    const times = this.times;
    const items = this.items;
    let i = items.length;
    times.push(atMs);
    items.push(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const parentMs = times[parent] as number;
      if (parentMs <= atMs) break;
      times[i] = parentMs;
      items[i] = items[parent] as T;
      i = parent;
    }
    times[i] = atMs;
    items[i] = item;
  }

  /** The earliest item, removed, if it arrived by `untilMs`; otherwise undefined. */
  takeArrived(untilMs: number): T | undefined {
    const times = this.times;
    const items = this.items;
    if (items.length === 0 || (times[0] as number) > untilMs) return undefined;
    const first = items[0] as T;
    const lastMs = times.pop() as number;
    const last = items.pop() as T;
    const length = items.length;
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
      items[i] = items[child] as T;
      i = child;
    }
    times[i] = lastMs;
    items[i] = last;
    return first;
  }
}
