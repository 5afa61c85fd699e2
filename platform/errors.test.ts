import { GraphQLError } from 'graphql';
import { badInput, formatGraphQLError, ErrorCode } from './errors';

const asFormatted = (error: GraphQLError) => error.toJSON();

describe('formatGraphQLError', () => {
  it('maps a domain error to its code and field, in any mode', () => {
    const error = new GraphQLError('wrapped', { originalError: badInput('input.name', 'Name must be 1 to 200 characters, got 0.') });
    for (const production of [false, true]) {
      expect(formatGraphQLError(asFormatted(error), error, production)).toMatchObject({
        message: 'Name must be 1 to 200 characters, got 0.',
        extensions: { code: ErrorCode.BAD_USER_INPUT, field: 'input.name' },
      });
    }
  });

  it('hides an unexpected error in production and keeps it in development', () => {
    const error = new GraphQLError('relation "x" does not exist', { originalError: new Error('relation "x" does not exist') });
    const formatted = { ...asFormatted(error), extensions: { stacktrace: ['at db.ts:1'] } };
    expect(formatGraphQLError(formatted, error, true)).toEqual({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    expect(formatGraphQLError(formatted, error, false)).toMatchObject({ message: 'relation "x" does not exist', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  });

  it('keeps request errors readable in production but drops their stack', () => {
    const error = new GraphQLError('Cannot query field "nope" on type "Query".', { extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    const formatted = { ...asFormatted(error), extensions: { code: 'GRAPHQL_VALIDATION_FAILED', stacktrace: ['x'] } };
    expect(formatGraphQLError(formatted, error, true)).toEqual({
      message: 'Cannot query field "nope" on type "Query".',
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
  });
});
