import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { IDENTITY_HEADER } from '../platform/auth/gatewayIdentity';
import { GATEWAY_SIGNED_HEADERS, type RequestSigner } from '../platform/auth/gatewaySignature';
import type { GatewayContext } from './context';
import type { GatewayPipeline } from './plugins/gatewayPlugin';
import type { PrepareAttempt, SubgraphTransport } from './transport/subgraphTransport';

/**
 * Sends a plan's fetches to one subgraph with the headers the pipeline's
 * `onSubgraphRequest` hooks give (the caller's signed identity, the request
 * id), and signs each one (`platform/auth/gatewaySignature.ts`) over its
 * method, path, exact body and identity. The client's own headers (its
 * bearer token included) are not forwarded — `@apollo/gateway` builds each
 * fetch's headers afresh — and whatever arrives under an identity or
 * signature header's name is dropped before the pipeline runs: subgraphs
 * trust only what the gateway signed.
 */
export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    config: { url: string },
    private readonly subgraph: string,
    private readonly pipeline: GatewayPipeline,
    /** Signs every fetch. Default none (a subgraph that does not check signatures, in tests). */
    signRequest?: RequestSigner,
    /** The pools, timeouts and retry every fetch goes through (`transport/subgraphTransport.ts`). Default: Apollo's own fetcher, for tests. */
    transport?: SubgraphTransport,
  ) {
    super(config);
    // The fetcher sees the body exactly as it goes on the wire, so the digest is of those bytes; each
    // attempt is signed afresh, since subgraphs refuse a signature's nonce the second time.
    const sign: PrepareAttempt | undefined =
      signRequest &&
      ((url, init) => {
        const headers = { ...init.headers };
        const body = typeof init.body === 'string' ? init.body : '';
        const signed = signRequest({ method: init.method ?? 'POST', url, body, identity: headers[IDENTITY_HEADER] });
        return { ...init, headers: { ...headers, ...signed } };
      });
    if (transport) this.fetcher = transport.fetcher({ subgraph, prepare: sign });
    else if (sign) {
      const send = this.fetcher;
      this.fetcher = (url, init) => send(url, sign(String(url), init ?? {}));
    }
  }

  override async willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<void> {
    const headers = request.http?.headers;
    if (!headers) return;
    for (const name of GATEWAY_SIGNED_HEADERS) headers.delete(name);
    if (!('operation' in context) || !context.operation) return;
    const add = new Map<string, string>();
    await this.pipeline.subgraphRequest(context.operation, { subgraph: this.subgraph, headers: add });
    for (const [name, value] of add) headers.set(name, value);
  }
}
