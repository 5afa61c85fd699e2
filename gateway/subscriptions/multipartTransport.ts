import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ExecutionResult, GraphQLError } from 'graphql';
import { ErrorCode } from '../../platform/errors';
import { sendJson } from '../../platform/http/graphqlHttp';
import type { SubscriptionRequest, SubscriptionService } from './subscriptionService';
import { httpOf, type GatewayOperation, type GatewayPipeline, type OutgoingResult } from '../plugins/gatewayPlugin';

/** True when the client accepts Apollo's multipart subscription protocol (`multipart/mixed;subscriptionSpec=1.0`). */
export function acceptsMultipartSubscriptions(req: IncomingMessage): boolean {
  const accept = req.headers.accept ?? '';
  return /multipart\/mixed/i.test(accept) && /subscriptionSpec\s*=\s*"?1\.0"?/i.test(accept);
}

const BOUNDARY = 'graphql';
const DELIMITER = `\r\n--${BOUNDARY}`;
const PART_HEAD = '\r\ncontent-type: application/json; charset=utf-8\r\n\r\n';
// Each part is followed by its delimiter, so a client that hands a part on only when the next
// delimiter arrives (Apollo Client does) gets every part at once, not with the next heartbeat.
const END = '--\r\n';

export interface MultipartOptions {
  /** Interval of the empty `{}` parts that keep proxies from closing an idle response. Default 5000 ms. */
  heartbeatMs?: number;
  /** The gateway pipeline, whose error shaping every error sent goes through. */
  pipeline: GatewayPipeline;
}

/**
 * Serves one subscription over Apollo's multipart HTTP protocol: a
 * `multipart/mixed; boundary="graphql"; subscriptionSpec="1.0"` response whose
 * parts are `{"payload": <result>}`, with `{}` heartbeats, ending with the
 * closing delimiter `--graphql--`. A refused operation is answered as plain JSON `{ errors }`;
 * an error that ends a running subscription is a last part `{"payload": null,
 * "errors": [...]}`. A client that disconnects ends its subscription.
 */
export async function serveMultipartSubscription(
  req: IncomingMessage,
  res: ServerResponse,
  service: SubscriptionService,
  request: SubscriptionRequest,
  operation: GatewayOperation,
  options: MultipartOptions,
): Promise<void> {
  const formatError = (error: GraphQLError) => options.pipeline.formatGraphQLError(error, operation);
  const started = await service.start(request, operation);
  if ('errors' in started) {
    const headers = Object.assign({}, ...started.errors.map((error) => httpOf(error).headers)) as Record<string, string>;
    return sendJson(res, refusalStatus(started.errors), { errors: started.errors.map(formatError) }, headers);
  }
  const { stream } = started;
  res.writeHead(200, {
    'content-type': `multipart/mixed;boundary="${BOUNDARY}";subscriptionSpec="1.0"`,
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  const write = (part: unknown) => {
    if (!res.writableEnded && !res.destroyed) res.write(`${PART_HEAD}${JSON.stringify(part)}${DELIMITER}`);
  };
  res.write(DELIMITER);
  // A first heartbeat sends the headers at once, so the client knows it is subscribed.
  write({});
  const heartbeat = setInterval(() => write({}), options.heartbeatMs ?? 5000);
  const stop = () => void stream.return?.();
  req.on('close', stop);
  res.on('close', stop);
  try {
    for await (const result of stream) write(toPart(result, operation, options.pipeline));
  } finally {
    clearInterval(heartbeat);
    if (!res.writableEnded && !res.destroyed) res.end(END);
  }
}

/** Codes of a request the client must change, answered 400 as over HTTP for a query. */
const BAD_REQUEST_CODES: ReadonlySet<unknown> = new Set([
  ErrorCode.GRAPHQL_PARSE_FAILED,
  ErrorCode.GRAPHQL_VALIDATION_FAILED,
  ErrorCode.BAD_USER_INPUT,
  ErrorCode.BAD_REQUEST,
  ErrorCode.OPERATION_RESOLUTION_FAILURE,
]);

/**
 * The status a refused subscription is answered with: the status a plugin
 * set (`extensions.http.status`), else 400 for a document or variables the
 * client must fix, as the same document gets over HTTP; else 200 with the
 * errors (e.g. UNAUTHENTICATED), as GraphQL over HTTP answers a request that
 * was understood.
 */
function refusalStatus(errors: readonly GraphQLError[]): number {
  for (const error of errors) {
    const { status } = httpOf(error);
    if (status !== undefined) return status;
  }
  return errors.some((error) => BAD_REQUEST_CODES.has(error.extensions.code)) ? 400 : 200;
}

/**
 * A result, shaped and run through the pipeline's `onResult` hooks: one with
 * data is a payload; one with errors only ends the subscription
 * (transport-level, per the protocol).
 */
function toPart(result: ExecutionResult, operation: GatewayOperation, pipeline: GatewayPipeline): unknown {
  const outgoing: OutgoingResult = {
    data: result.data,
    errors: result.errors?.map((error) => pipeline.formatGraphQLError(error, operation)),
  };
  pipeline.result(operation, outgoing);
  const { data, errors } = outgoing;
  if (data === undefined && errors?.length) return { payload: null, errors };
  return { payload: { data: data ?? null, ...(errors?.length ? { errors } : {}) } };
}
