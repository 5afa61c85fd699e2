import { GraphQLError, type GraphQLFormattedError } from 'graphql';

/**
 * The public error codes a client can rely on in `errors[].extensions.code`.
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
  /** Anything unexpected. The message is generic in production. */
  INTERNAL_SERVER_ERROR = 'INTERNAL_SERVER_ERROR',
}

/**
 * An expected failure of a domain rule or of input validation. Domain code
 * throws these; `toGraphQLError` is the one place that maps them to GraphQL.
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

const PUBLIC_CODES = new Set<string>(Object.values(ErrorCode));

/**
 * Shapes an error for a response. Domain errors keep their message and code;
 * GraphQL validation errors keep theirs; anything else is an internal error
 * whose message is hidden when `production` is set, so no SQL, stack or host
 * name reaches a client.
 */
export function formatGraphQLError(
  formatted: GraphQLFormattedError,
  error: unknown,
  production: boolean,
): GraphQLFormattedError {
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
    // Stack traces help only with faults; for an expected code they show gateway internals.
    if (code === ErrorCode.INTERNAL_SERVER_ERROR) return { ...formatted, extensions: { ...formatted.extensions, code } };
    const { stacktrace: _stacktrace, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions: { ...extensions, code } };
  }
  // In production only known, client-facing codes keep their message, and only `code` and `field`
  // survive of the extensions: no stack trace, no subgraph name.
  if (code === ErrorCode.INTERNAL_SERVER_ERROR || (!PUBLIC_CODES.has(code) && !isGraphQLRequestErrorCode(code))) {
    return { message: 'Internal server error', path: formatted.path, locations: formatted.locations, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };
  }
  const field = formatted.extensions?.field;
  return { ...formatted, extensions: { code, ...(typeof field === 'string' ? { field } : {}) } };
}

/** Codes Apollo Server and graphql-js use for malformed requests; their messages are safe to show. */
function isGraphQLRequestErrorCode(code: string): boolean {
  return [
    'GRAPHQL_PARSE_FAILED',
    'GRAPHQL_VALIDATION_FAILED',
    'BAD_REQUEST',
    'PERSISTED_QUERY_NOT_FOUND',
    'PERSISTED_QUERY_NOT_SUPPORTED',
    'OPERATION_RESOLUTION_FAILURE',
  ].includes(code);
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
