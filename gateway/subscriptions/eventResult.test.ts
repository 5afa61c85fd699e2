import { GraphQLError, type ExecutionResult } from 'graphql';
import { withGraphQLErrors } from './eventResult';

describe('withGraphQLErrors', () => {
  it('given an event result whose errors are GraphQL errors, then it is kept as it is', () => {
    const result: ExecutionResult = { data: { a: 1 }, errors: [new GraphQLError('x', { extensions: { code: 'SUBGRAPH_UNAVAILABLE' } })] };

    expect(withGraphQLErrors(result)).toEqual({ result, faults: [] });
    expect(withGraphQLErrors(result).result).toBe(result);
  });

  it('given a raw error a data source threw (a socket error), then it becomes an INTERNAL_SERVER_ERROR GraphQL error that serialises, and the data is kept', () => {
    const raw = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const result = { data: { reviewAdded: null }, errors: [raw as unknown as GraphQLError, new GraphQLError('kept')] };

    const { result: shaped, faults } = withGraphQLErrors(result);

    expect(shaped.data).toEqual({ reviewAdded: null });
    expect(shaped.errors?.map((error) => error.toJSON())).toEqual([
      { message: 'This part of the event could not be resolved.', extensions: { code: 'INTERNAL_SERVER_ERROR' } },
      { message: 'kept' },
    ]);
    expect(shaped.errors?.[0]?.originalError).toBe(raw);
    expect(faults).toEqual([raw]);
  });
});
