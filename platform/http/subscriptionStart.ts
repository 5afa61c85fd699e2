/*
 * graphql-ws has no acknowledgement of a subscribe message, and a
 * subscription without `after` starts "from now", a position its subscriber
 * cannot name. The gateway asks each subgraph for both: a subscribe message
 * whose `extensions` hold `startCursor: true` gets, once the field's
 * `subscribe` resolver has accepted the subscription (its watch is live), a
 * first `next` message with no `data`:
 *
 *   { "extensions": { "startCursor": "<cursor>" } }
 *
 * where the cursor is the stream position the subscription started after (a
 * payload `cursor` of the same field), or null when its stream does not say.
 * A subscriber that loses the subscription before its first event resumes
 * with `after` set to it, and misses nothing.
 */

/** The key, in a subscribe message's `extensions` and in the acknowledging `next` message's, of the start cursor. */
export const START_CURSOR_EXTENSION = 'startCursor';

/** The `next` payload acknowledging a subscription that started after `cursor` (null: unknown). */
export function startAcknowledgement(cursor: string | null): { extensions: Record<string, unknown> } {
  return { extensions: { [START_CURSOR_EXTENSION]: cursor } };
}

/** Whether a subscribe message's `extensions` ask for the acknowledgement. */
export function asksForStartCursor(extensions: Readonly<Record<string, unknown>> | null | undefined): boolean {
  return extensions?.[START_CURSOR_EXTENSION] === true;
}

/**
 * The acknowledgement in a `next` payload: `{ cursor }` (null when the
 * subgraph did not say) when the payload is one, undefined when it is a
 * result.
 */
export function readStartAcknowledgement(payload: {
  data?: unknown;
  errors?: unknown;
  extensions?: Record<string, unknown>;
}): { cursor: string | null } | undefined {
  if (payload.data !== undefined || payload.errors !== undefined || !payload.extensions || !(START_CURSOR_EXTENSION in payload.extensions)) return undefined;
  const cursor = payload.extensions[START_CURSOR_EXTENSION];
  return { cursor: typeof cursor === 'string' ? cursor : null };
}
