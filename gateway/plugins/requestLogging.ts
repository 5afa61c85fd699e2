import type { ApolloServerPlugin } from '@apollo/server';
import type { Logger } from '../../platform/logger';
import type { GatewayContext } from '../context';

export interface RequestLoggingOptions {
  logger: Logger;
  /** Log operations slower than this at `warn` instead of `debug`. Default 1000 ms. */
  slowMs?: number;
}

/**
 * Logs one line per operation: name, type, duration, error codes and the
 * request id. Never logs variables, which may hold passwords or tokens.
 */
export function requestLoggingPlugin(options: RequestLoggingOptions): ApolloServerPlugin<GatewayContext> {
  const slowMs = options.slowMs ?? 1000;
  return {
    async requestDidStart({ contextValue }) {
      const started = performance.now();
      return {
        async willSendResponse({ operationName, operation, errors }) {
          const durationMs = Math.round(performance.now() - started);
          const entry = {
            requestId: contextValue.requestId,
            operationName: operationName ?? null,
            operation: operation?.operation ?? null,
            durationMs,
            userId: contextValue.viewer?.userId ?? null,
            errorCodes: errors?.map((error) => error.extensions?.code ?? 'UNKNOWN'),
          };
          if (durationMs >= slowMs) options.logger.warn(entry, 'slow operation');
          else options.logger.debug(entry, 'operation');
        },
      };
    },
  };
}
