/**
 * The host's run slots, shared by the queues of every class it serves: a host that serves
 * kvm and tcg still runs at most `size` lanes at once.
 */
export class Slots {
  private used = 0;
  private readonly waiting: ((got: boolean) => void)[] = [];
  private closed = false;

  constructor(readonly size: number) {}

  /** true once a slot is this caller's; false when the host stops taking work (a waiting job goes back). */
  async acquire(): Promise<boolean> {
    if (this.closed) return false;
    if (this.used < this.size) {
      this.used++;
      return true;
    }
    return new Promise<boolean>((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next(true);
    else this.used--;
  }

  /** The worker is stopping: no lane starts any more, whatever slot frees up; waiting callers get false. */
  close(): void {
    this.closed = true;
    for (const next of this.waiting.splice(0)) next(false);
  }

  get inUse(): number {
    return this.used;
  }
}
