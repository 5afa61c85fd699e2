import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { IDENTITY_HEADER } from '../platform/auth/gatewayIdentity';
import type { GatewayContext } from './context';

/**
 * Sends a plan's fetches to one subgraph with the caller's signed identity and
 * the request id. The client's own headers (its bearer token included) are not
 * forwarded: subgraphs trust only what the gateway signed.
 */
export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    const headers = request.http?.headers;
    if (!headers) return;
    if ('identityToken' in context && context.identityToken) headers.set(IDENTITY_HEADER, context.identityToken);
    if ('requestId' in context && context.requestId) headers.set('x-request-id', context.requestId);
  }
}
