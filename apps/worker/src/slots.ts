/**
 * The host's run slots, shared by the queues of every class it serves: a host that serves
 * kvm and tcg still runs at most `size` lanes at once.
 */
export class Slots {
  private used = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly size: number) {}

  async acquire(): Promise<void> {
    if (this.used < this.size) {
      this.used++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.used--;
  }

  get inUse(): number {
    return this.used;
  }
}
