import type { IncomingMessage, ServerResponse } from 'node:http';
import { GraphQLError } from 'graphql';
import type { ApolloServer } from '@apollo/server';
import { ErrorCode } from '../../platform/errors';
import { handleGraphQLHttp, readGraphQLBody, sendJson, sendRequestError } from '../../platform/http/graphqlHttp';
import type { GatewayContext } from '../context';
import { GatewayPipeline, GatewayRejection, type GatewayOperation } from '../plugins/gatewayPlugin';
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

    const request = GatewayPipeline.newRequest('http', req.headers, single(req.headers.authorization));
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
    // Every operation text is parsed and checked by the pipeline (limits) before Apollo Server or the subscription service sees it.
    const source = sourceOf(req, read.body);
    if (source !== undefined) {
      const refused = refusal(pipeline, operation, source);
      if (refused) {
        const status = Number((refused.extensions.http as { status?: number } | undefined)?.status ?? 400);
        return sendJson(res, status, { errors: [pipeline.formatGraphQLError(refused, operation)] });
      }
    }
    const subscription = subscriptionRequestOf(read.body, operation);
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
    await handleGraphQLHttp(options.apollo, req, res, async () => ({ operation }), options.maxBodyBytes, read);
  };
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The operation text of a GET (`?query=`) or of a single JSON POST; undefined when there is none (Apollo Server answers that). */
function sourceOf(req: IncomingMessage, body: unknown): string | undefined {
  if (req.method === 'GET') return new URL(req.url ?? '/', 'http://localhost').searchParams.get('query') ?? undefined;
  if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const { query } = body as Record<string, unknown>;
  return typeof query === 'string' ? query : undefined;
}

/** The error the pipeline refuses `source` with, or undefined when it parsed and passed every check. */
function refusal(pipeline: GatewayPipeline, operation: GatewayOperation, source: string): GraphQLError | undefined {
  try {
    pipeline.parse(operation, source);
    return undefined;
  } catch (error) {
    if (error instanceof GraphQLError) return error;
    throw error;
  }
}

/** The request when `body` is a single subscription operation whose document the pipeline parsed, else undefined. */
function subscriptionRequestOf(body: unknown, operation: GatewayOperation): SubscriptionRequest | undefined {
  if (!operation.document || !body || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const { query, operationName, variables } = body as Record<string, unknown>;
  const name = typeof operationName === 'string' ? operationName : null;
  if (typeof query !== 'string' || !SubscriptionService.isSubscription(operation.document, name)) return undefined;
  return { query, operationName: name, variables: variables && typeof variables === 'object' ? (variables as Record<string, unknown>) : null };
}
