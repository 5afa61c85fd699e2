import { GraphQLError } from 'graphql';
import { badInput, toPublicError, ErrorCode } from './errors';
import { InvalidGatewayIdentity } from './auth/gatewayIdentity';
import { BodyTooLarge } from './http/graphqlHttp';

const asFormatted = (error: GraphQLError) => error.toJSON();

describe('toPublicError', () => {
  it('maps a domain error to its code and field, in any mode', () => {
    const error = new GraphQLError('wrapped', { originalError: badInput('input.name', 'Name must be 1 to 200 characters, got 0.') });
    for (const production of [false, true]) {
      expect(toPublicError(asFormatted(error), error, production)).toMatchObject({
        message: 'Name must be 1 to 200 characters, got 0.',
        extensions: { code: ErrorCode.BAD_USER_INPUT, field: 'input.name' },
      });
    }
  });

  it('hides an unexpected error in production and keeps it in development', () => {
    const error = new GraphQLError('relation "x" does not exist', { originalError: new Error('relation "x" does not exist') });
    const formatted = { ...asFormatted(error), extensions: { stacktrace: ['at db.ts:1'] } };
    expect(toPublicError(formatted, error, true)).toEqual({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    expect(toPublicError(formatted, error, false)).toMatchObject({ message: 'relation "x" does not exist', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  });

  it('keeps request errors readable in production but drops their stack', () => {
    const error = new GraphQLError('Cannot query field "nope" on type "Query".', { extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    const formatted = { ...asFormatted(error), extensions: { code: 'GRAPHQL_VALIDATION_FAILED', stacktrace: ['x'] } };
    expect(toPublicError(formatted, error, true)).toEqual({
      message: 'Cannot query field "nope" on type "Query".',
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
  });

  it('drops the HTTP status a plugin set (extensions.http) in any mode: it is for the transport, not the client', () => {
    const error = new GraphQLError('The operation exceeds the limit of 15 fields of depth (MAX_DEPTH): it has 16.', {
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED', http: { status: 400 } },
    });
    for (const production of [false, true]) {
      expect(toPublicError(asFormatted(error), error, production)).toEqual({ message: error.message, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    }
  });

  it('maps the other internal error classes to their public codes, in any mode', () => {
    for (const [original, code] of [
      [new InvalidGatewayIdentity('Identity token rejected: ERR_JWT_EXPIRED.'), ErrorCode.UNAUTHENTICATED],
      [new BodyTooLarge('The request body exceeds the limit of 10 bytes.'), ErrorCode.PAYLOAD_TOO_LARGE],
    ] as const) {
      const error = new GraphQLError('wrapped', { originalError: original });
      for (const production of [false, true]) {
        expect(toPublicError(asFormatted(error), error, production)).toMatchObject({ message: original.message, extensions: { code } });
      }
    }
  });

  it('keeps every public code and its message in production, TOO_MANY_SUBSCRIPTIONS included', () => {
    const error = new GraphQLError('A connection may hold at most 100 subscriptions; complete one first.', {
      extensions: { code: ErrorCode.TOO_MANY_SUBSCRIPTIONS },
    });
    expect(toPublicError(asFormatted(error), error, true)).toEqual({ message: error.message, extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' } });
  });
});
