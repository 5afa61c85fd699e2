import fs from 'node:fs';
import path from 'node:path';
import { GraphQLError, getIntrospectionQuery, parse } from 'graphql';
import { loadSupergraph } from '../supergraph';
import { GatewayPipeline } from './gatewayPlugin';
import { measureSelections, operationLimitsPlugin } from './operationLimits';
import { DEFAULT_OPERATION_LIMITS, type OperationLimits } from './operationLimitsSettings';

const schema = loadSupergraph(path.resolve(__dirname, '../../schema/supergraph.graphql')).supergraph.apiSchema().toGraphQLJSSchema();

function pipelineWith(limits: Partial<OperationLimits> = {}): GatewayPipeline {
  return new GatewayPipeline([operationLimitsPlugin({ schema, limits })]);
}

/** The error the pipeline refuses `source` with (failing the test when it is accepted). */
function refusal(source: string, limits: Partial<OperationLimits> = {}): GraphQLError {
  const pipeline = pipelineWith(limits);
  const operation = GatewayPipeline.newOperation(GatewayPipeline.newRequest('http', {}, undefined), null);
  try {
    pipeline.parse(operation, source);
  } catch (error) {
    if (error instanceof GraphQLError) return error;
    throw error;
  }
  throw new Error(`accepted: ${source.slice(0, 80)}`);
}

function accepts(source: string, limits: Partial<OperationLimits> = {}): boolean {
  const operation = GatewayPipeline.newOperation(GatewayPipeline.newRequest('http', {}, undefined), null);
  pipelineWith(limits).parse(operation, source);
  return operation.document !== undefined;
}

const nested = (depth: number) =>
  `{ ${'me { orders(first: 1) { edges { node { '.repeat(1)}${'lines { product { '.repeat(depth)}id${' } }'.repeat(depth)} } } } } }`;

describe('operation limits', () => {
  it('given the example operations of schema/operations, then each passes every default limit', () => {
    const folder = path.resolve(__dirname, '../../schema/operations');
    for (const file of fs.readdirSync(folder)) expect(accepts(fs.readFileSync(path.join(folder, file), 'utf8'))).toBe(true);
  });

  it('given the introspection query Sandbox and Apollo Client send, then it passes every default limit', () => {
    expect(accepts(getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true, specifiedByUrl: true, directiveIsRepeatable: true }))).toBe(true);
  });

  it('given the Everything example, then its depth is 8: accepted with MAX_DEPTH 8, refused with 7', () => {
    const everything = fs.readFileSync(path.resolve(__dirname, '../../schema/operations/everything.graphql'), 'utf8');
    expect(accepts(everything, { maxDepth: 8 })).toBe(true);
    expect(refusal(everything, { maxDepth: 7 }).message).toMatch(/it has 8\./);
  });

  it('given a text longer than MAX_DOCUMENT_LENGTH, then it is refused before parsing with GRAPHQL_PARSE_FAILED naming both lengths', () => {
    const error = refusal(`{ __typename }${' '.repeat(100)}`, { maxDocumentLength: 50 });
    expect(error.extensions).toEqual({ code: 'GRAPHQL_PARSE_FAILED', http: { status: 400 } });
    expect(error.message).toBe('The document exceeds the limit of 50 characters (MAX_DOCUMENT_LENGTH): it has 114.');
  });

  it('given more tokens than MAX_TOKENS, then the message counts them (comments and strings count as the parser counts them)', () => {
    const error = refusal(`{ ${'__typename '.repeat(30)} } # ${'{'.repeat(50)}`, { maxTokens: 20 });
    expect(error.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    expect(error.message).toBe('The document exceeds the limit of 20 tokens (MAX_TOKENS): it has 32.');
  });

  it('given a deeply nested list literal, then it is refused by MAX_NESTING without the parser recursing into it', () => {
    const depth = 20_000;
    const error = refusal(`{ products(filter: { category: ${'['.repeat(depth)}"x"${']'.repeat(depth)} }) { totalCount } }`, {
      maxTokens: 100_000,
      maxDocumentLength: 100_000,
    });
    expect(error.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    expect(error.message).toBe(`The document exceeds the limit of 100 nested brackets (MAX_NESTING): it nests ${depth + 3} deep.`);
  });

  it('given fields nested deeper than MAX_DEPTH through named and inline fragments, then it is refused with GRAPHQL_VALIDATION_FAILED naming the depth', () => {
    const source = `query { me { ...F } } fragment F on User { orders(first: 1) { edges { node { ... on Order { lines { product { name } } } } } } }`;
    // me, orders, edges, node, lines, product, name: 7 fields deep; fragments add no level.
    expect(accepts(source, { maxDepth: 7 })).toBe(true);
    const error = refusal(source, { maxDepth: 6 });
    expect(error.extensions).toEqual({ code: 'GRAPHQL_VALIDATION_FAILED', http: { status: 400 } });
    expect(error.message).toBe('The operation exceeds the limit of 6 fields of depth (MAX_DEPTH): it has 7.');
    expect(refusal(nested(40)).message).toMatch(/limit of 15 fields of depth \(MAX_DEPTH\): it has 85\./);
  });

  it('given more aliases than MAX_ALIASES, counted in each place a fragment is spread, then it is refused', () => {
    const source = `{ ...A ...A ...A } fragment A on Query { a: __typename b: __typename }`;
    expect(refusal(source, { maxAliases: 5 }).message).toBe('The operation exceeds the limit of 5 aliases (MAX_ALIASES): it has 6.');
    expect(accepts(source, { maxAliases: 6 })).toBe(true);
  });

  it('given more root fields than MAX_ROOT_FIELDS, fragments inlined, then it is refused', () => {
    const source = `{ __typename ...R ... on Query { __typename } } fragment R on Query { __typename __typename }`;
    expect(refusal(source, { maxRootFields: 3 }).message).toBe('The operation exceeds the limit of 3 root fields (MAX_ROOT_FIELDS): it has 4.');
  });

  it('given more directives than MAX_DIRECTIVES, then it is refused', () => {
    const source = `{ ${Array.from({ length: 60 }, (_, i) => `f${i}: __typename @include(if: true)`).join(' ')} }`;
    expect(refusal(source, { maxAliases: 100, maxRootFields: 100 }).message).toBe(
      'The operation exceeds the limit of 50 directives (MAX_DIRECTIVES): it has 60.',
    );
  });

  it('given a fragment explosion, then its inlined size is measured without expanding it, and it is refused by MAX_SELECTIONS', () => {
    // Each level spreads the next twice: 2^40 selections once inlined, from a document of a few kilobytes.
    const levels = 40;
    const fragments = Array.from({ length: levels }, (_, i) => `fragment L${i} on Query { ...L${i + 1} ...L${i + 1} }`).join('\n');
    const source = `{ ...L0 }\n${fragments}\nfragment L${levels} on Query { __typename }`;
    expect(measureSelections(parse(source), DEFAULT_OPERATION_LIMITS.maxSelections).selections).toBe(2 ** levels);
    const error = refusal(source);
    expect(error.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(error.message).toMatch(/limit of 2000 field selections with fragments inlined \(MAX_SELECTIONS\)|root fields/);
  });

  it('given a fragment that spreads itself, then measuring ends (validation refuses the cycle later)', () => {
    expect(measureSelections(parse(`{ ...A } fragment A on Query { __typename ...A }`), 100)).toEqual({ rootFields: 1, selections: 1 });
  });

  it('given a response with more errors than MAX_ERRORS, then only the first ones are sent', () => {
    const pipeline = pipelineWith({ maxErrors: 3 });
    const operation = GatewayPipeline.newOperation(GatewayPipeline.newRequest('http', {}, undefined), null);
    const result = { data: null, errors: Array.from({ length: 10 }, (_, i) => ({ message: `e${i}` })) };
    pipeline.result(operation, result);
    expect(result.errors.map((e) => e.message)).toEqual(['e0', 'e1', 'e2']);
  });

  it('given the same text twice, then the verdict is reused and the document is the same object', () => {
    const pipeline = pipelineWith();
    const request = GatewayPipeline.newRequest('http', {}, undefined);
    const first = pipeline.parse(GatewayPipeline.newOperation(request, null), '{ __typename }');
    expect(pipeline.parse(GatewayPipeline.newOperation(request, null), '{ __typename }')).toBe(first);
  });
});
