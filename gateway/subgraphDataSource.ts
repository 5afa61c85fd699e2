import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { GraphQLError, Kind, OperationTypeNode, type DocumentNode, type FieldNode, type GraphQLFormattedError, type SelectionSetNode } from 'graphql';
import type { GatewayContext } from './context';
import type { GatewayPipeline } from './plugins/gatewayPlugin';
import { subgraphUnavailable, type SubgraphClient } from './transport/subgraphTransport';

type GatewayResponse = Awaited<ReturnType<GraphQLDataSource['process']>>;

/**
 * `@apollo/gateway`'s data source for one subgraph (its `GraphQLDataSource`
 * extension point): sends each fetch of a plan through the subgraph
 * transport (`transport/`) with the headers the pipeline's
 * `onSubgraphRequest` hooks give (the caller's signed identity, the request
 * id); the transport signs each attempt. The client's own headers (its
 * bearer token included) are never forwarded.
 *
 * A fetch that fails (unreachable, timed out, breaker open) does not fail
 * the operation: it answers with one error, at the path of the first field
 * it would have filled, with the transport's public code
 * (`SUBGRAPH_UNAVAILABLE`, `SUBGRAPH_TIMEOUT`); `@apollo/gateway` adds
 * `extensions.serviceName`, places the error under the client's path, and
 * the fields that fetch serves are `null` while the rest answers.
 */
export class SubgraphDataSource implements GraphQLDataSource<GatewayContext> {
  constructor(
    private readonly subgraph: string,
    private readonly client: SubgraphClient,
    private readonly pipeline: GatewayPipeline,
    /** `OPERATION_TIMEOUT_MS`: every fetch of a query or mutation ends by then (subscriptions' event fetches have only the per-request timeout). */
    private readonly operationTimeoutMs = client.options.operationTimeoutMs,
  ) {}

  async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayResponse> {
    const { request } = options;
    if (!request.query) throw new Error('Missing query');
    const headers: Record<string, string> = {};
    // Only an incoming operation's fetches carry a document and the gateway's context (never a health check or schema load here).
    const incoming = 'incomingRequestContext' in options ? options : undefined;
    const operation = incoming && 'operation' in incoming.context ? incoming.context.operation : undefined;
    if (operation) {
      const add = new Map<string, string>();
      await this.pipeline.subgraphRequest(operation, { subgraph: this.subgraph, headers: add });
      for (const [name, value] of add) headers[name] = value;
    }
    const document = incoming?.document;
    const body = JSON.stringify({ query: request.query, variables: request.variables, operationName: request.operationName, extensions: request.extensions });
    const deadline = operation && operation.operation?.operation !== OperationTypeNode.SUBSCRIPTION ? operation.startedAt + this.operationTimeoutMs : undefined;
    let reply;
    try {
      reply = await this.client.request({ body, headers, safe: isQuery(document, request.query), deadline });
    } catch (error) {
      if (error instanceof GraphQLError) return failed(error, document);
      throw error;
    }
    const text = reply.body.toString('utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return failed(subgraphUnavailable(this.subgraph, `it answered HTTP ${reply.status} with a body that is not JSON`), document);
    }
    const isResponse = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
    // A GraphQL answer with errors (a 400 for a refused document, a 401…) keeps its errors; @apollo/gateway adds serviceName and paths.
    if (isResponse && (reply.status < 300 || Array.isArray((parsed as { errors?: unknown }).errors))) return parsed as GatewayResponse;
    return failed(subgraphUnavailable(this.subgraph, `it answered HTTP ${reply.status}${isResponse ? ' without GraphQL errors' : ''}`), document);
  }
}

/** True when the fetch is a query (an `_entities` fetch included), judged by its document or else its text. */
function isQuery(document: DocumentNode | undefined, query: string): boolean {
  const definition = document?.definitions.find((each) => each.kind === Kind.OPERATION_DEFINITION);
  if (definition) return definition.operation === OperationTypeNode.QUERY;
  return /^\s*(?:query\b|\{)/.test(query);
}

/** The fetch's answer when it failed: no data, one error at the first field it would have filled. */
function failed(error: GraphQLError, document: DocumentNode | undefined): GatewayResponse {
  const formatted: GraphQLFormattedError = { message: error.message, path: firstFieldPath(document), extensions: error.extensions };
  return { errors: [formatted] };
}

/**
 * The subgraph-relative path of the first field a fetch selects: `[field]`
 * for a root fetch, `['_entities', 0, field]` for an entity fetch (the
 * gateway maps it to the first entity's place in the client's answer).
 */
function firstFieldPath(document: DocumentNode | undefined): (string | number)[] | undefined {
  const definition = document?.definitions.find((each) => each.kind === Kind.OPERATION_DEFINITION);
  const root = definition && firstField(definition.selectionSet);
  if (!root) return undefined;
  const key = root.alias?.value ?? root.name.value;
  if (key !== '_entities') return [key];
  const entity = root.selectionSet && firstField(root.selectionSet);
  return entity ? ['_entities', 0, entity.alias?.value ?? entity.name.value] : undefined;
}

function firstField(selectionSet: SelectionSetNode): FieldNode | undefined {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value !== '__typename') return selection;
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const field = firstField(selection.selectionSet);
      if (field) return field;
    }
  }
  return undefined;
}
