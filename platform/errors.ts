import { GraphQLError, type GraphQLFormattedError } from 'graphql';

/**
 * Every error code a client can receive in `errors[].extensions.code` (or
 * the `code` of a refused HTTP request), as README's Errors table lists them.
 * They are part of the API contract: add codes, never rename them.
 */
export enum ErrorCode {
  /** No valid credentials: the token is missing where required, invalid or expired. */
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  /** The caller is known but may not see or do this. */
  FORBIDDEN = 'FORBIDDEN',
  /** An argument or input field breaks its contract; `extensions.field` names it. */
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  /**
   * The referenced thing does not exist (or is not visible to the caller);
   * `extensions.field` names the input field that referenced it, when one did.
   */
  NOT_FOUND = 'NOT_FOUND',
  /** The request conflicts with current state, e.g. a duplicate. */
  CONFLICT = 'CONFLICT',
  /** A dependency could not be reached; retrying later may succeed. */
  SERVICE_UNAVAILABLE = 'SERVICE_UNAVAILABLE',
  /** A subgraph an operation needs could not be reached, dropped the connection or answered more than the gateway reads; the fields it serves are `null`. */
  SUBGRAPH_UNAVAILABLE = 'SUBGRAPH_UNAVAILABLE',
  /** A subgraph an operation needs did not answer within `SUBGRAPH_TIMEOUT_MS`; the fields it serves are `null`. */
  SUBGRAPH_TIMEOUT = 'SUBGRAPH_TIMEOUT',
  /** Anything unexpected. The message is generic in production. */
  INTERNAL_SERVER_ERROR = 'INTERNAL_SERVER_ERROR',
  /** The operation is not valid GraphQL syntax. */
  GRAPHQL_PARSE_FAILED = 'GRAPHQL_PARSE_FAILED',
  /** The operation does not validate against the schema, or asks for introspection where it is disabled. */
  GRAPHQL_VALIDATION_FAILED = 'GRAPHQL_VALIDATION_FAILED',
  /** A malformed request: body not JSON, no `query`, a method, transport or `Accept` header that cannot carry it. */
  BAD_REQUEST = 'BAD_REQUEST',
  /** The request body exceeds the size limit. */
  PAYLOAD_TOO_LARGE = 'PAYLOAD_TOO_LARGE',
  /** A graphql-ws connection starts a subscription while it holds as many as it may. */
  TOO_MANY_SUBSCRIPTIONS = 'TOO_MANY_SUBSCRIPTIONS',
  /** An automatic persisted query sent by hash only that is not stored yet: send it again with `query`. */
  PERSISTED_QUERY_NOT_FOUND = 'PERSISTED_QUERY_NOT_FOUND',
  /** Automatic persisted queries are turned off. */
  PERSISTED_QUERY_NOT_SUPPORTED = 'PERSISTED_QUERY_NOT_SUPPORTED',
  /** The gateway runs only the operations of its manifest (`PERSISTED_OPERATIONS=safelist`), and this one is not among them. */
  PERSISTED_QUERY_NOT_IN_LIST = 'PERSISTED_QUERY_NOT_IN_LIST',
  /** A document with several operations and no `operationName`, or an `operationName` it does not contain. */
  OPERATION_RESOLUTION_FAILURE = 'OPERATION_RESOLUTION_FAILURE',
  /** The operation's estimated cost exceeds the gateway's maximum (`MAX_COST`); the message names both. */
  COST_ESTIMATED_TOO_EXPENSIVE = 'COST_ESTIMATED_TOO_EXPENSIVE',
  /** The caller spent its budget of operations (or of sign-in attempts) for now: HTTP 429 with `Retry-After`. */
  RATE_LIMITED = 'RATE_LIMITED',
}

/** An `ErrorCode` or its string value, for callers that write the code as a literal. */
export type PublicCode = `${ErrorCode}`;

/**
 * An expected failure of a domain rule, of input validation or of a request's
 * credentials or shape, carrying its public code. Domain code throws these,
 * and so do the other expected failures (a forged identity, a body too
 * large); `toPublicError` is the one place that maps them to GraphQL.
 */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** The input field at fault, as a dotted path from the argument (`input.lines.0.quantity`). */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export function badInput(field: string, message: string): DomainError {
  return new DomainError(ErrorCode.BAD_USER_INPUT, message, field);
}

/** NOT_FOUND; `field` names the input that referenced the missing thing (`input.productId`), when one did. */
export function notFound(message: string, field?: string): DomainError {
  return new DomainError(ErrorCode.NOT_FOUND, message, field);
}

export function forbidden(message: string): DomainError {
  return new DomainError(ErrorCode.FORBIDDEN, message);
}

export function unauthenticated(message = 'You must be signed in to do this.'): DomainError {
  return new DomainError(ErrorCode.UNAUTHENTICATED, message);
}

export function conflict(message: string): DomainError {
  return new DomainError(ErrorCode.CONFLICT, message);
}

// Every code but INTERNAL_SERVER_ERROR names an expected failure, whose message is safe to show.
const PUBLIC_CODES: ReadonlySet<string> = new Set(Object.values(ErrorCode));

/**
 * Shapes an error of any kind for a client: the one mapping from internal
 * errors to public ones. A `DomainError` (or subclass) keeps its message,
 * code and field; an error that already carries a public code (GraphQL
 * validation, Apollo's request errors) keeps it; anything else is an
 * internal error whose message is hidden when `production` is set, so no
 * SQL, stack or host name reaches a client.
 */
export function toPublicError(formatted: GraphQLFormattedError, error: unknown, production: boolean): GraphQLFormattedError {
  const original = originalErrorOf(error);
  if (original instanceof DomainError) {
    return {
      ...formatted,
      message: original.message,
      extensions: { code: original.code, ...(original.field ? { field: original.field } : {}) },
    };
  }
  const code = typeof formatted.extensions?.code === 'string' ? formatted.extensions.code : ErrorCode.INTERNAL_SERVER_ERROR;
  if (!production) {
    // Stack traces help only with faults; for an expected code they show gateway internals. `http` is the
    // status a plugin asked for (Apollo Server drops it from its own answers): it is for the transport, not the client.
    const { stacktrace, http: _http, ...extensions } = formatted.extensions ?? {};
    if (code === ErrorCode.INTERNAL_SERVER_ERROR) return { ...formatted, extensions: { ...extensions, stacktrace, code } };
    return { ...formatted, extensions: { ...extensions, code } };
  }
  // In production only known, client-facing codes keep their message, and only `code` and `field`
  // survive of the extensions (and `serviceName` of a subgraph outage, whose fields it names): no stack trace.
  if (code === ErrorCode.INTERNAL_SERVER_ERROR || !PUBLIC_CODES.has(code)) {
    return { message: 'Internal server error', path: formatted.path, locations: formatted.locations, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };
  }
  const { field, serviceName } = formatted.extensions ?? {};
  const outage = code === ErrorCode.SUBGRAPH_UNAVAILABLE || code === ErrorCode.SUBGRAPH_TIMEOUT;
  return {
    ...formatted,
    extensions: { code, ...(typeof field === 'string' ? { field } : {}), ...(outage && typeof serviceName === 'string' ? { serviceName } : {}) },
  };
}

/** The name `toPublicError` had first; the gateway's formatters call it. */
export const formatGraphQLError = toPublicError;

/** `error` with `extensions.code` set to `code`, keeping its message, locations and path. */
export function withCode(error: GraphQLError, code: ErrorCode): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: { ...error.extensions, code },
  });
}

/** True when `error` (or what it wraps) is an expected `DomainError`, not a fault worth logging. */
export function isDomainError(error: unknown): boolean {
  return originalErrorOf(error) instanceof DomainError;
}

function originalErrorOf(error: unknown): unknown {
  let current = error;
  while (current instanceof GraphQLError && current.originalError && current.originalError !== current) {
    current = current.originalError;
  }
  return current;
}
