import { GraphQLError, type ExecutionResult, type FormattedExecutionResult } from 'graphql';
import { readEventCursor } from '../../platform/events/eventCursor';
import type { Logger } from '../../platform/logger';
import type { ResumableOperation } from './resumableOperation';
import { ResumeJoin } from './resumeJoin';
import { retryableEnd } from './eventResult';
import type { ResumePoint } from './sharedTopic';
import type { PlannedSubscription } from './subscriptionPlanner';
import { UpstreamSubscriptionError, type UpstreamSubscriptionPool } from './upstream';

export interface CatchUpOptions {
  pool: UpstreamSubscriptionPool;
  /** Resolves one of the catch-up's events for this subscriber, as the topic's events are: a failure is that event's error. */
  resolve(event: FormattedExecutionResult): Promise<ExecutionResult>;
  logger: Logger;
  /** The subscriber's plan, variables and resumable primary operation. */
  plan: PlannedSubscription;
  variables: Readonly<Record<string, unknown>>;
  resumable: ResumableOperation;
  /** Where the subscriber resumes. */
  resume: ResumePoint;
  /** The live topic's `extensions` it presents (kept fresh by the topic). */
  extensions: () => Record<string, unknown>;
  /** The cursor of the topic's own primary operation in one of its events. */
  liveCursorOf(event: FormattedExecutionResult): string | undefined;
  /** The cursor of the last event the topic had received when the subscriber joined, if any. */
  joinedAt: string | undefined;
  /** Live results held while catching up, at most. */
  maxBuffered: number;
  /** Hands a result to the subscriber. */
  deliver(result: ExecutionResult): void;
  /** Ends the subscriber with `final`. */
  end(final: ExecutionResult): void;
  /** Whether one of the catch-up's events is this subscriber's (an owner-filtered topic: `ownerFilter.ts`); default all. */
  accepts?(event: FormattedExecutionResult): boolean;
}

/** A subscriber resuming into a live topic: feed it the topic's results, stop it when it leaves. */
export interface CatchingUpSubscriber {
  live(result: ExecutionResult, event: FormattedExecutionResult): void;
  stop(): void;
}

/**
 * Joins a subscriber with `after` to a live topic: a private upstream
 * subscription from its cursor, each of its events resolved for this
 * subscriber alone, merged with the topic's results (held meanwhile) by
 * stream position (`ResumeJoin`), then the live topic alone. The catch-up
 * resumes after a lost connection like any upstream subscription; when it
 * fails, or falls more than `maxBuffered` live results behind, the
 * subscriber ends with a retryable SERVICE_UNAVAILABLE and subscribes again
 * with the last cursor it received.
 */
export function catchUp(options: CatchUpOptions): CatchingUpSubscriber {
  const { resume, resumable, plan, variables } = options;
  const positionOf = (cursor: string | undefined): number | undefined => {
    const read = cursor === undefined ? undefined : readEventCursor(cursor);
    return read?.domain === resume.domain ? read.sequence : undefined;
  };
  let upstream: { cancel(): void } | undefined;
  const join = new ResumeJoin<ExecutionResult>({
    after: resume.sequence,
    joinedAt: positionOf(options.joinedAt),
    maxBuffered: options.maxBuffered,
    deliver: options.deliver,
    caughtUp: () => upstream?.cancel(),
    overflowed: () => {
      upstream?.cancel();
      options.end(
        retryableEnd(
          `This subscriber fell more than ${options.maxBuffered} live results behind while catching up from \`after\`; subscribe again with \`after\` set to the last cursor received.`,
        ),
      );
    },
  });
  const subscriber: CatchingUpSubscriber = {
    live: (result, event) => join.live(positionOf(options.liveCursorOf(event)), result),
    stop: () => {
      join.end();
      upstream?.cancel();
    },
  };
  if (!join.catchingUp) return subscriber;

  const events = options.pool.subscribe(plan.serviceName, {
    query: resumable.query,
    operationName: plan.primaryOperationName,
    variables: { ...resumable.variables(variables), [resumable.afterVariable]: resume.cursor },
    extensions: options.extensions,
    resume: { afterVariable: resumable.afterVariable, cursorOf: resumable.cursorOf },
  });
  upstream = events;
  void (async () => {
    try {
      for await (const event of events) {
        const position = positionOf(resumable.cursorOf(event));
        if (options.accepts && !options.accepts(event)) join.passed(position);
        else if (join.needs(position)) join.fromCatchUp(position, await options.resolve(event));
        if (!join.catchingUp) return;
      }
      // Completed before it reached the live stream: what lay between cannot be told apart from nothing.
      if (join.catchingUp) {
        join.end();
        options.end(retryableEnd(`The ${plan.serviceName} subgraph ended the subscription; subscribe again with \`after\` to resume.`));
      }
    } catch (error) {
      if (!join.catchingUp) return;
      join.end();
      events.cancel();
      // A subgraph that refused the operation (a cursor of another stream, say) explains itself.
      if (error instanceof UpstreamSubscriptionError && error.errors?.length) {
        options.end({ errors: error.errors.map((e) => new GraphQLError(e.message, { extensions: e.extensions, path: e.path })) });
        return;
      }
      options.logger.warn({ err: error, serviceName: plan.serviceName }, 'catch-up subscription failed');
      options.end(retryableEnd(`The ${plan.serviceName} subgraph ended the subscription; subscribe again with \`after\` to resume.`));
    }
  })();
  return subscriber;
}
