import type { Viewer } from './auth/identity';
import type { EventCause } from './events/event';

/**
 * What every command handler (`subgraphs/<name>/commands/<command>.ts`) takes
 * beside its dependencies: `handler(deps, { viewer, input, cause })`.
 */
export interface CommandRequest<TInput> {
  /** The caller: an identity, or null for an anonymous caller. */
  viewer: Viewer;
  /** The mutation's `input`, as the client sent it (the handler validates it). */
  input: TInput;
  /** Carried into the correlation and causation ids of the events the command writes. */
  cause: EventCause;
}

/** The request of a mutation's command: its caller, its `input`, and the request as the cause of what it writes. */
export function commandRequest<TInput>(ctx: { viewer: Viewer; requestId: string }, input: TInput): CommandRequest<TInput> {
  return { viewer: ctx.viewer, input, cause: { correlationId: ctx.requestId, causationId: null } };
}
