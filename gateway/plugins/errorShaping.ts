import { ErrorCode, toPublicError } from '../../platform/errors';
import type { Logger } from '../../platform/logger';
import { codeApolloRequestErrors } from './requestErrors';
import type { GatewayPlugin } from './gatewayPlugin';

/**
 * Shapes every error the gateway sends, on every transport: stable codes
 * kept, Apollo's uncoded request errors given `BAD_REQUEST`, and in
 * production internals hidden (no stack, SQL, URL or subgraph name). An
 * internal error is logged with its cause, once, here.
 */
export function errorShapingPlugin(options: { production: boolean; logger: Logger }): GatewayPlugin {
  return {
    name: 'errorShaping',
    formatError(formatted, error) {
      const shaped = toPublicError(codeApolloRequestErrors(formatted), error, options.production);
      if (shaped.extensions?.code === ErrorCode.INTERNAL_SERVER_ERROR) options.logger.error({ err: error }, 'internal error in response');
      return shaped;
    },
  };
}
