import { GraphQLError, type ExecutionResult } from 'graphql';
import { ErrorCode } from '../../platform/errors';

/**
 * An event's result as the client transports may send it: every error a
 * `GraphQLError` (graphql-ws and the multipart writer format errors with
 * `toJSON`). `executeQueryPlan` puts whatever a data source threw into
 * `errors` as it is; such an error becomes an `INTERNAL_SERVER_ERROR` at the
 * same path, its cause kept as `originalError` and in `faults` (for the
 * log, never the client). `result` is the given one when nothing was replaced.
 */
export function withGraphQLErrors(given: ExecutionResult): { result: ExecutionResult; faults: unknown[] } {
  const errors = given.errors;
  if (!errors?.length || errors.every((error) => error instanceof GraphQLError)) return { result: given, faults: [] };
  const faults = errors.filter((error) => !(error instanceof GraphQLError));
  const result = {
    ...given,
    errors: errors.map((error: unknown) =>
      error instanceof GraphQLError
        ? error
        : new GraphQLError('This part of the event could not be resolved.', {
            originalError: error instanceof Error ? error : new Error(String(error)),
            path: (error as { path?: readonly (string | number)[] } | null)?.path,
            extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
          }),
    ),
  };
  return { result, faults };
}

/** The result a subscription ends with when its source is gone: retryable (`SERVICE_UNAVAILABLE`, `retryable: true`); subscribe again with `after`. */
export function retryableEnd(message: string): ExecutionResult {
  return { errors: [new GraphQLError(message, { extensions: { code: ErrorCode.SERVICE_UNAVAILABLE, retryable: true } })] };
}
