import { createHash } from 'node:crypto';
import { print } from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from '../context';
import type { GatewayPipeline } from './gatewayPlugin';

/**
 * Runs the gateway pipeline inside Apollo Server for HTTP operations: once
 * Apollo has parsed and validated the document and chosen the operation,
 * the plugins' `onOperation` hooks run (a hook that throws refuses the
 * operation before it is planned; one that replaces the document changes
 * what is planned), each response runs their `onResult` hooks, and the codes
 * of the errors sent are recorded for `onEnd`, which the HTTP router calls
 * when the response closes. The router has run the pipeline's `parse` on the
 * text before Apollo saw it.
 */
export function apolloPipelineAdapter(pipeline: GatewayPipeline): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ contextValue }) {
      const { operation } = contextValue;
      return {
        async didResolveOperation(requestContext) {
          const { document, operation: definition, request } = requestContext;
          operation.document = document;
          operation.operation = definition ?? undefined;
          operation.operationName = request.operationName ?? definition?.name?.value ?? null;
          operation.variables = request.variables ?? {};
          if (request.query !== undefined) operation.source = request.query;
          await pipeline.operation(operation);
          if (operation.document !== document) {
            // `@apollo/gateway` plans `requestContext.document` and caches plans by `queryHash`.
            const replaced = requestContext as { document: typeof document; queryHash: string };
            replaced.document = operation.document;
            replaced.queryHash = createHash('sha256').update(print(operation.document)).digest('hex');
          }
        },
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          // Apollo's body is typed read-only; the pipeline's result hooks may change data and errors.
          const outgoing = { data: result.data, errors: result.errors ? [...result.errors] : undefined };
          pipeline.result(operation, outgoing);
          Object.assign(result, { data: outgoing.data, errors: outgoing.errors?.length ? outgoing.errors : undefined });
          if (!outgoing.errors?.length) delete (result as { errors?: unknown }).errors;
          operation.errorCodes = (outgoing.errors ?? []).map((error) => String(error.extensions?.code ?? 'UNKNOWN'));
        },
      };
    },
  };
}
