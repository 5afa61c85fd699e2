/**
 * What a subscriber resuming into a live topic is told of, as stream
 * positions (the `sequence` its cursors name: `platform/events/eventCursor.ts`).
 */
export interface ResumeJoinOptions<R> {
  /** The position the subscriber resumes after: its `after`. */
  after: number;
  /**
   * The position of the last event the live topic had received when the
   * subscriber joined it, if any: the topic hands the subscriber every event
   * after it (and maybe that one), so the catch-up is done once it reaches it.
   */
  joinedAt?: number;
  /** Live results held while catching up, at most; one more ends the join (`overflowed`). */
  maxBuffered: number;
  /** Hands one result to the subscriber, in stream order. */
  deliver(result: R): void;
  /** The catch-up is no longer needed (stop it): from now on the live topic alone feeds the subscriber. */
  caughtUp(): void;
  /** The catch-up fell more than `maxBuffered` live results behind; nothing more is delivered. */
  overflowed(): void;
}

/**
 * One subscriber that resumes after a cursor into a live topic, which has
 * delivered to others events it missed: two ordered streams of the same
 * events merged into one, with no gap and no repeat.
 *
 * - the catch-up: the subscriber's private subscription from its `after`,
 *   whose results are resolved for it alone;
 * - the live topic's results, held (at most `maxBuffered`) while it catches up.
 *
 * Both are ordered subsequences of one stream, filtered alike, so positions
 * decide: once the catch-up reaches the first live result held (or the last
 * event the topic had received when the subscriber joined), or the live
 * stream brings an event the catch-up has delivered already, the live stream
 * has every event after that point. The held results not yet delivered
 * follow, the catch-up stops, and from then on live results are delivered
 * as they come. Any result at or before the last position delivered is a
 * repeat and dropped. A result without a position (an upstream error with
 * no data) is delivered, never dropped.
 */
export class ResumeJoin<R> {
  private phase: 'catchingUp' | 'live' | 'ended';
  /** The highest position delivered, or `after`. */
  private last: number;
  private readonly held: Array<{ position: number | undefined; result: R }> = [];

  constructor(private readonly options: ResumeJoinOptions<R>) {
    this.last = options.after;
    // A subscriber at or past everything the topic has received needs no catch-up.
    this.phase = options.joinedAt !== undefined && options.after >= options.joinedAt ? 'live' : 'catchingUp';
  }

  /** True until the live topic alone feeds the subscriber (or the join ended). */
  get catchingUp(): boolean {
    return this.phase === 'catchingUp';
  }

  /** A result of the live topic, at `position` (undefined when its event has none). */
  live(position: number | undefined, result: R): void {
    switch (this.phase) {
      case 'ended':
        return;
      case 'live':
        this.deliverInOrder(position, result);
        return;
      case 'catchingUp':
        // The catch-up has passed this event: the live stream brings everything after it.
        if (position !== undefined && position <= this.last) {
          this.switchToLive();
          return;
        }
        if (this.held.length >= this.options.maxBuffered) {
          this.end();
          this.options.overflowed();
          return;
        }
        this.held.push({ position, result });
    }
  }

  /**
   * Whether the catch-up's event at `position` is still wanted, asked before
   * it is resolved: not when it was delivered already, nor once the catch-up
   * has reached the live results held (the join switches to them then).
   */
  needs(position: number | undefined): boolean {
    if (this.phase !== 'catchingUp') return false;
    if (position === undefined) return true;
    if (position <= this.last) return false;
    const held = this.firstHeldPosition();
    if (held !== undefined && position >= held) {
      this.switchToLive();
      return false;
    }
    return true;
  }

  /** The catch-up's resolved result at `position`; switches to the live stream when it has reached it. Ignored once live. */
  fromCatchUp(position: number | undefined, result: R): void {
    if (this.phase !== 'catchingUp') return;
    if (!this.deliverInOrder(position, result) || position === undefined) return;
    const held = this.firstHeldPosition();
    const { joinedAt } = this.options;
    if ((joinedAt !== undefined && position >= joinedAt) || (held !== undefined && position >= held)) this.switchToLive();
  }

  /**
   * The catch-up's event at `position` is not for this subscriber (an
   * owner-filtered topic's event of another owner, which the live stream
   * leaves out alike): nothing to deliver, but the catch-up has got this far,
   * so it may have reached the live results held or the topic's `joinedAt`.
   */
  passed(position: number | undefined): void {
    if (this.phase !== 'catchingUp' || position === undefined || position <= this.last) return;
    const held = this.firstHeldPosition();
    // Held results are this subscriber's, so none is at `position`: those before it are still to be delivered.
    if (held !== undefined && position >= held) {
      this.switchToLive();
      return;
    }
    this.last = position;
    const { joinedAt } = this.options;
    if (joinedAt !== undefined && position >= joinedAt) this.switchToLive();
  }

  /** Delivers nothing more (the subscriber left or was ended). */
  end(): void {
    this.phase = 'ended';
    this.held.length = 0;
  }

  private deliverInOrder(position: number | undefined, result: R): boolean {
    if (position !== undefined) {
      if (position <= this.last) return false;
      this.last = position;
    }
    this.options.deliver(result);
    return true;
  }

  private firstHeldPosition(): number | undefined {
    return this.held.find((entry) => entry.position !== undefined)?.position;
  }

  private switchToLive(): void {
    this.phase = 'live';
    for (const { position, result } of this.held.splice(0)) this.deliverInOrder(position, result);
    this.options.caughtUp();
  }
}
