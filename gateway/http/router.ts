import type { IncomingMessage, ServerResponse } from 'node:http';
import { GraphQLError } from 'graphql';
import type { ApolloServer } from '@apollo/server';
import { ErrorCode } from '../../platform/errors';
import { handleGraphQLHttp, readGraphQLBody, sendJson, sendRequestError } from '../../platform/http/graphqlHttp';
import type { GatewayContext } from '../context';
import { GatewayPipeline, GatewayRejection, httpOf, type GatewayOperation, type SentOperation } from '../plugins/gatewayPlugin';
import { REQUEST_ID_HEADER } from '../plugins/requestId';
import { SubscriptionService, type SubscriptionRequest } from '../subscriptions/subscriptionService';
import { acceptsMultipartSubscriptions, serveMultipartSubscription } from '../subscriptions/multipartTransport';
import type { CorsPolicy } from './cors';

export interface GatewayRouterOptions {
  pipeline: GatewayPipeline;
  apollo: ApolloServer<GatewayContext>;
  subscriptions: SubscriptionService;
  cors: CorsPolicy;
  /** Largest request body in bytes. */
  maxBodyBytes?: number;
  /** `GET /ready`: whether the gateway can serve, and the body that says why. */
  readiness(): Promise<{ ready: boolean; body: Record<string, unknown> }>;
}

/**
 * The gateway's HTTP routes: `GET /health` (alive), `GET /ready`, and
 * `/graphql`, where every request runs the pipeline's request hooks (request
 * id, identity), then CORS, then becomes a multipart subscription or an
 * operation handed to Apollo Server. Each request's operation ends — and is
 * access-logged — when its response closes.
 */
export function gatewayRouter(options: GatewayRouterOptions): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const { pipeline, cors } = options;
  return async (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/health' && req.method === 'GET') return sendJson(res, 200, { status: 'ok' });
    if (path === '/ready' && req.method === 'GET') {
      const { ready, body } = await options.readiness();
      return sendJson(res, ready ? 200 : 503, body);
    }
    if (path !== '/graphql') return sendJson(res, 404, { error: `No route for ${req.method} ${path}; GraphQL is served at /graphql.` });

    const request = GatewayPipeline.newRequest('http', req.headers, single(req.headers.authorization), req.socket.remoteAddress);
    let rejection: GatewayRejection | undefined;
    try {
      await pipeline.request(request);
    } catch (error) {
      if (!(error instanceof GatewayRejection)) throw error;
      rejection = error;
    }
    res.setHeader(REQUEST_ID_HEADER, request.requestId);
    const operation = GatewayPipeline.newOperation(request, null);
    // A CORS preflight is no operation: it gets no access-log line.
    if (req.method !== 'OPTIONS') {
      res.once('close', () => {
        operation.status = res.statusCode;
        pipeline.end(operation);
      });
    }
    if (cors.handle(req, res)) {
      if (res.statusCode === 403) operation.errorCodes = [ErrorCode.FORBIDDEN];
      return;
    }
    if (rejection) {
      operation.errorCodes = [rejection.code];
      for (const [name, value] of Object.entries(rejection.headers)) res.setHeader(name, value);
      return sendRequestError(res, rejection.status, rejection.code, rejection.message);
    }
    const read = await readGraphQLBody(req, res, options.maxBodyBytes);
    if (!read) return;
    // Every operation's text is settled (persisted operations), parsed and checked (limits) by the pipeline
    // before Apollo Server or the subscription service sees it.
    const sent = sentOf(req, read.body);
    let body = read.body;
    let search: string | undefined;
    if (sent) {
      let source: string | undefined;
      try {
        source = await pipeline.resolveSource(operation, sent);
        if (source !== undefined) pipeline.parse(operation, source);
      } catch (error) {
        if (!(error instanceof GraphQLError)) throw error;
        const { status, headers } = httpOf(error);
        return sendJson(res, status ?? 400, { errors: [pipeline.formatGraphQLError(error, operation)] }, headers);
      }
      // The pipeline consumed the persisted-query extension (Apollo Server's own APQ is off and would refuse it).
      const persisted = sent.extensions?.persistedQuery !== undefined;
      if (source !== undefined && (source !== sent.query || persisted)) {
        // Apollo Server runs the text the pipeline settled on.
        const { persistedQuery: _consumed, ...extensions } = sent.extensions ?? {};
        const rest = Object.keys(extensions).length ? extensions : undefined;
        if (req.method === 'GET') {
          const url = new URL(req.url ?? '/', 'http://localhost');
          url.searchParams.set('query', source);
          if (persisted) {
            if (rest) url.searchParams.set('extensions', JSON.stringify(rest));
            else url.searchParams.delete('extensions');
          }
          search = url.search;
        } else {
          const { extensions: _sent, ...fields } = read.body as Record<string, unknown>;
          body = persisted ? { ...fields, query: source, ...(rest ? { extensions: rest } : {}) } : { ...(read.body as Record<string, unknown>), query: source };
        }
      }
    }
    const subscription = subscriptionRequestOf(body, operation);
    if (subscription) {
      request.transport = 'multipart';
      operation.operationName = subscription.operationName ?? null;
      if (!acceptsMultipartSubscriptions(req)) {
        operation.errorCodes = [ErrorCode.BAD_REQUEST];
        return sendRequestError(
          res,
          406,
          ErrorCode.BAD_REQUEST,
          'Subscriptions need `Accept: multipart/mixed;subscriptionSpec=1.0` over HTTP, or a graphql-ws WebSocket at /graphql.',
        );
      }
      return serveMultipartSubscription(req, res, options.subscriptions, subscription, operation, { pipeline });
    }
    await handleGraphQLHttp(options.apollo, req, res, async () => ({ operation }), options.maxBodyBytes, { body }, search);
  };
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * What a GET (`?query=`, `?extensions=`) or a single JSON POST sent for its
 * operation; undefined when it is no such request (a batch, a malformed body:
 * Apollo Server answers those). Extensions that are not a JSON object are
 * left for Apollo Server to refuse.
 */
function sentOf(req: IncomingMessage, body: unknown): SentOperation | undefined {
  if (req.method === 'GET') {
    const params = new URL(req.url ?? '/', 'http://localhost').searchParams;
    return { query: params.get('query') ?? undefined, extensions: objectOrUndefined(parseJson(params.get('extensions'))) };
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const { query, extensions } = body as Record<string, unknown>;
  return { query: typeof query === 'string' ? query : undefined, extensions: objectOrUndefined(extensions) };
}

function parseJson(text: string | null): unknown {
  if (text === null) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function objectOrUndefined(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** The request when `body` is a single subscription operation whose document the pipeline parsed, else undefined. */
function subscriptionRequestOf(body: unknown, operation: GatewayOperation): SubscriptionRequest | undefined {
  if (!operation.document || !body || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const { query, operationName, variables } = body as Record<string, unknown>;
  const name = typeof operationName === 'string' ? operationName : null;
  if (typeof query !== 'string' || !SubscriptionService.isSubscription(operation.document, name)) return undefined;
  return { query, operationName: name, variables: variables && typeof variables === 'object' ? (variables as Record<string, unknown>) : null };
}
