import { ErrorCode } from '../../platform/errors';
import { GraphQLError, Kind } from 'graphql';
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
