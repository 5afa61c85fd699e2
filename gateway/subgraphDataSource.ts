import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayContext } from './context';
import type { GatewayPipeline } from './plugins/gatewayPlugin';

/**
 * Sends a plan's fetches to one subgraph with the headers the pipeline's
 * `onSubgraphRequest` hooks give (the caller's signed identity, the request
 * id). The client's own headers (its bearer token included) are not
 * forwarded: subgraphs trust only what the gateway signed.
 */
export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    config: { url: string },
    private readonly subgraph: string,
    private readonly pipeline: GatewayPipeline,
  ) {
    super(config);
  }

  override async willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<void> {
    const headers = request.http?.headers;
    if (!headers || !('operation' in context) || !context.operation) return;
    const add = new Map<string, string>();
    await this.pipeline.subgraphRequest(context.operation, { subgraph: this.subgraph, headers: add });
    for (const [name, value] of add) headers.set(name, value);
  }
}
