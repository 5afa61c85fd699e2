import { ErrorCode } from '../../platform/errors';
import { GraphQLError, type GraphQLFormattedError, Kind } from 'graphql';
import type { GatewayPlugin } from './gatewayPlugin';

/**
 * Client mistakes that Apollo Server and `@apollo/gateway` would answer as
 * internal errors, answered as what they are: 400 with a stable code.
 *
 * A document whose operation cannot be chosen (several operations and no
 * `operationName`, or a name it does not hold) is refused before planning
 * with `OPERATION_RESOLUTION_FAILURE`, on every transport; `@apollo/gateway`
 * would throw `INVALID_GRAPHQL` with status 500.
 */
export function operationResolutionPlugin(): GatewayPlugin {
  return {
    name: 'operationResolution',
    onOperation({ operation, document, operationName }) {
      if (operation || !document) return;
      const names = document.definitions.flatMap((definition) =>
        definition.kind === Kind.OPERATION_DEFINITION ? [definition.name?.value ?? '(anonymous)'] : [],
      );
      const message = operationName
        ? `The document has no operation named ${JSON.stringify(operationName)}; it holds ${names.join(', ')}.`
        : `The document holds several operations (${names.join(', ')}): name the one to run in \`operationName\`.`;
      throw new GraphQLError(message, { extensions: { code: ErrorCode.OPERATION_RESOLUTION_FAILURE, http: { status: 400 } } });
    },
  };
}

/** Apollo Server's automatic-persisted-query refusals, which it sends without a code. */
const PERSISTED_QUERY_MISTAKES = [/^provided sha does not match query$/, /^Unsupported persisted query version$/];

/**
 * Gives a code to the errors Apollo Server raises for a malformed request
 * without one (a persisted query whose hash does not match its text, or of
 * an unknown version): `BAD_REQUEST`, so the message is kept and no stack
 * trace is attached. Other errors pass unchanged.
 */
export function codeApolloRequestErrors(formatted: GraphQLFormattedError): GraphQLFormattedError {
  if (formatted.extensions?.code !== ErrorCode.INTERNAL_SERVER_ERROR || formatted.path) return formatted;
  if (!PERSISTED_QUERY_MISTAKES.some((pattern) => pattern.test(formatted.message))) return formatted;
  return {
    message: `${formatted.message}: the persisted query's sha256Hash must be the SHA-256 of its query, with version 1.`,
    extensions: { code: ErrorCode.BAD_REQUEST },
  };
}
