import type { GraphQLFormattedError } from 'graphql';
import { ErrorCode, toPublicError } from '../../platform/errors';
import type { Logger } from '../../platform/logger';
import type { GatewayOperation, GatewayPlugin } from './gatewayPlugin';

/** Codes of errors about the request itself, whose messages graphql-js writes from the schema. */
const SCHEMA_WORDED: ReadonlySet<unknown> = new Set([ErrorCode.GRAPHQL_VALIDATION_FAILED, ErrorCode.BAD_USER_INPUT]);

/**
 * A request-level error's message with nothing the request did not itself
 * contain: graphql-js's "Did you mean …?" suggestions dropped, and each
 * quoted name that appears neither in the operation's text nor in its
 * variables replaced by `"…"` (e.g. the type of an argument the client left
 * out). Production answers must not teach a prober the schema.
 */
export function withoutSchemaDetails(formatted: GraphQLFormattedError, operation: GatewayOperation): GraphQLFormattedError {
  if (!SCHEMA_WORDED.has(formatted.extensions?.code) || formatted.path || operation.source === undefined) return formatted;
  const sent = new Set(`${operation.source} ${JSON.stringify(operation.variables ?? {})}`.match(/[_A-Za-z][_0-9A-Za-z]*/g));
  const message = formatted.message
    .replace(/\s*Did you mean [^?]*\?/g, '')
    .replace(/"([^"]*)"/g, (quoted, inner: string) => ((inner.match(/[_A-Za-z][_0-9A-Za-z]*/g) ?? []).every((word) => sent.has(word)) ? quoted : '"…"'));
  return message === formatted.message ? formatted : { ...formatted, message };
}

/**
 * Shapes every error the gateway sends, on every transport: stable codes
 * kept, and in production internals hidden (no stack, SQL, URL or subgraph name) and
 * validation messages kept to what the request contained
 * (`withoutSchemaDetails`). An internal error is logged with its cause, once,
 * here.
 */
export function errorShapingPlugin(options: { production: boolean; logger: Logger }): GatewayPlugin {
  return {
    name: 'errorShaping',
    formatError(formatted, error, operation) {
      const shaped = toPublicError(formatted, error, options.production);
      if (shaped.extensions?.code === ErrorCode.INTERNAL_SERVER_ERROR) options.logger.error({ err: error }, 'internal error in response');
      return options.production && operation ? withoutSchemaDetails(shaped, operation) : shaped;
    },
    // Apollo Server formats an HTTP response's errors without the operation at hand: they are finished here.
    onResult(operation, result) {
      if (options.production && result.errors) result.errors = result.errors.map((error) => withoutSchemaDetails(error, operation));
    },
  };
}
