import { GatewayPipeline, type GatewayOperation } from './gatewayPlugin';
import { withoutSchemaDetails } from './errorShaping';

function operationOf(source: string, variables: Record<string, unknown> = {}): GatewayOperation {
  const operation = GatewayPipeline.newOperation(GatewayPipeline.newRequest('http', {}, undefined), null);
  operation.source = source;
  operation.variables = variables;
  return operation;
}

describe('error shaping: no schema details in production', () => {
  it('given a validation error with a suggestion, then the suggestion is dropped', () => {
    const shaped = withoutSchemaDetails(
      { message: 'Cannot query field "nam" on type "Product". Did you mean "name"?', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } },
      operationOf('{ product(id: "1") { nam } }'),
    );
    expect(shaped.message).toBe('Cannot query field "nam" on type "…".');
  });

  it('given names the request contained, in its text or its variables, then they stay', () => {
    const shaped = withoutSchemaDetails(
      {
        message: 'Variable "$input" got invalid value { line: [] }; Field "line" is not defined by type "PlaceOrderInput".',
        extensions: { code: 'BAD_USER_INPUT' },
      },
      operationOf('mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id } } }', { input: { line: [] } }),
    );
    expect(shaped.message).toBe('Variable "$input" got invalid value { line: [] }; Field "line" is not defined by type "PlaceOrderInput".');
  });

  it('given an argument the client left out, then its name and type are not shown', () => {
    const shaped = withoutSchemaDetails(
      { message: 'Field "product" argument "id" of type "ID!" is required, but it was not provided.', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } },
      operationOf('{ product { name } }'),
    );
    expect(shaped.message).toBe('Field "product" argument "…" of type "…" is required, but it was not provided.');
  });

  it('given an error at a path (from a resolver) or of another code, then it is left as it is', () => {
    const operation = operationOf('{ product { name } }');
    const atPath = { message: 'Field "x" of "Y" failed.', path: ['product'], extensions: { code: 'BAD_USER_INPUT' } };
    const other = { message: 'Product "abc" not found.', extensions: { code: 'NOT_FOUND' } };
    expect(withoutSchemaDetails(atPath, operation)).toBe(atPath);
    expect(withoutSchemaDetails(other, operation)).toBe(other);
  });
});
