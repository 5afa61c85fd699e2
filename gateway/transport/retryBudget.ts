/**
 * How many retries one subgraph may receive: at most `minimum` plus
 * `percent`% of the requests sent to it over the last `windowMs`, so a
 * failing subgraph gets a bounded trickle of retries rather than a multiple
 * of its load. Counted in one-second buckets on the monotonic clock.
 */
export class RetryBudget {
  private readonly buckets: { second: number; requests: number; retries: number }[] = [];

  constructor(
    private readonly percent: number,
    private readonly minimum = 10,
    private readonly windowMs = 10_000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Counts a first attempt. */
  recordRequest(): void {
    this.current().requests += 1;
  }

  /** Takes one retry from the budget; false (and nothing taken) when it is spent. */
  tryRetry(): boolean {
    const bucket = this.current();
    let requests = 0;
    let retries = 0;
    for (const each of this.buckets) {
      requests += each.requests;
      retries += each.retries;
    }
    if (retries >= this.minimum + (requests * this.percent) / 100) return false;
    bucket.retries += 1;
    return true;
  }

  private current(): { second: number; requests: number; retries: number } {
    const second = Math.floor(this.now() / 1000);
    const oldest = second - Math.ceil(this.windowMs / 1000) + 1;
    while (this.buckets.length && this.buckets[0]!.second < oldest) this.buckets.shift();
    let last = this.buckets[this.buckets.length - 1];
    if (!last || last.second !== second) {
      last = { second, requests: 0, retries: 0 };
      this.buckets.push(last);
    }
    return last;
  }
}
