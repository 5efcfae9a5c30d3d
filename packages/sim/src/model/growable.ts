/** A Float64Array that grows; unset slots read as `fill`. */
export class GrowableArray {
  private data: Float64Array;
  length = 0;

  constructor(
    private readonly fill = Number.NaN,
    capacity = 1024,
  ) {
    this.data = new Float64Array(capacity).fill(fill);
  }

  get(index: number): number {
    return index < this.data.length ? (this.data[index] as number) : this.fill;
  }

  set(index: number, value: number): void {
    if (index >= this.data.length) {
      let capacity = this.data.length * 2;
      while (capacity <= index) capacity *= 2;
      const next = new Float64Array(capacity).fill(this.fill);
      next.set(this.data);
      this.data = next;
    }
    this.data[index] = value;
    if (index >= this.length) this.length = index + 1;
  }

  push(value: number): void {
    this.set(this.length, value);
  }

  toArray(): Float64Array {
    return this.data.slice(0, this.length);
  }
}
