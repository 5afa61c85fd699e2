import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from '../context';
import type { GatewayPipeline } from './gatewayPlugin';

/**
 * Runs the gateway pipeline inside Apollo Server for HTTP operations: once
 * Apollo has parsed and validated the document and chosen the operation,
 * the plugins' `onOperation` hooks run (a hook that throws refuses the
 * operation before it is planned), and the codes of the errors sent are
 * recorded for `onEnd`, which the HTTP router calls when the response closes.
 */
export function apolloPipelineAdapter(pipeline: GatewayPipeline): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ contextValue }) {
      const { operation } = contextValue;
      return {
        async didResolveOperation({ document, operation: definition, request }) {
          operation.document = document;
          operation.operation = definition ?? undefined;
          operation.operationName = request.operationName ?? definition?.name?.value ?? null;
          await pipeline.operation(operation);
        },
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          operation.errorCodes = (response.body.singleResult.errors ?? []).map((error) => String(error.extensions?.code ?? 'UNKNOWN'));
        },
      };
    },
  };
}
