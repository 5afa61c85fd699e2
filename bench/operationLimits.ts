import path from 'node:path';
import { GraphQLError, parse, specifiedRules, validate, type GraphQLSchema } from 'graphql';
import { loadSupergraph } from '../gateway/supergraph';
import { GatewayPipeline } from '../gateway/plugins/gatewayPlugin';
import { operationLimitsPlugin } from '../gateway/plugins/operationLimits';

/** One hostile document class, made about `bytes` long. */
interface Bomb {
  name: string;
  make(bytes: number, salt: number): string;
}

const repeatTo = (unit: string, bytes: number) => unit.repeat(Math.max(1, Math.floor(bytes / unit.length)));

const BOMBS: Bomb[] = [
  { name: 'alias flood', make: (bytes, salt) => `{ ${repeatTo('a: __typename ', bytes - 20)} } # ${salt}` },
  { name: 'field duplication', make: (bytes, salt) => `{ ${repeatTo('__typename ', bytes - 20)} } # ${salt}` },
  { name: 'directive flood', make: (bytes, salt) => `{ __typename ${repeatTo('@include(if: true) ', bytes - 30)} } # ${salt}` },
  {
    name: 'nested list literal',
    make: (bytes, salt) => {
      const depth = Math.floor((bytes - 40) / 2);
      return `{ product(id: ${'['.repeat(depth)}1${']'.repeat(depth)}) { id } } # ${salt}`;
    },
  },
  {
    name: 'fragment explosion',
    make: (bytes, salt) => {
      const levels = Math.max(2, Math.floor(bytes / 45));
      const fragments = Array.from({ length: levels }, (_, i) => `fragment L${i} on Query { ...L${i + 1} ...L${i + 1} }`).join(' ');
      return `{ ...L0 } ${fragments} fragment L${levels} on Query { __typename } # ${salt}`;
    },
  },
  // 60 levels, then a comment to the size: the lexer still reads every character.
  { name: 'deep selection', make: (bytes, salt) => `{ ${'a { '.repeat(60)}b${' }'.repeat(60)} } #${'x'.repeat(Math.max(0, bytes - 400))} ${salt}` },
];

export interface LimitsResult {
  name: string;
  kilobytes: number;
  /** The code and the limit (setting) that refused it. */
  refusedBy: string;
  /** Median time the gateway takes to refuse one document (µs). */
  refuseMicros: number;
  /** What graphql-js's parse + validate would spend on the same document with no limits (µs), or how it failed. */
  unprotected: string;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Parse and validate with graphql-js alone, as a gateway without limits would before planning. */
function unprotected(schema: GraphQLSchema, source: string): string {
  const started = performance.now();
  try {
    const errors = validate(schema, parse(source), specifiedRules);
    return `${((performance.now() - started) * 1000).toFixed(0)} µs (${errors.length} errors)`;
  } catch (error) {
    if (error instanceof RangeError) return `crashed: ${error.message}`;
    if (error instanceof GraphQLError) return `${((performance.now() - started) * 1000).toFixed(0)} µs (${error.message.slice(0, 40)}…)`;
    throw error;
  }
}

/**
 * The cost of refusing hostile documents: each class at 10 KB and 45 KB
 * (under the default MAX_DOCUMENT_LENGTH, so the content checks do the
 * work), refused by the gateway's pipeline with its default limits — every
 * refusal checked for its code — beside what graphql-js alone spends
 * parsing and validating it. A fresh text each time (a trailing comment), so
 * the pipeline's verdict cache is not what is measured.
 */
export function measureOperationLimits(): LimitsResult[] {
  const schema = loadSupergraph(path.resolve(__dirname, '../../schema/supergraph.graphql')).supergraph.apiSchema().toGraphQLJSSchema();
  const pipeline = new GatewayPipeline([operationLimitsPlugin({ schema })]);
  const request = GatewayPipeline.newRequest('http', {}, undefined);
  const results: LimitsResult[] = [];
  let salt = 0;
  for (const bomb of BOMBS) {
    for (const bytes of [10_000, 45_000]) {
      const times: number[] = [];
      let refusedBy = '';
      for (let i = 0; i < 60; i += 1) {
        const source = bomb.make(bytes, (salt += 1));
        const started = performance.now();
        try {
          pipeline.parse(GatewayPipeline.newOperation(request, null), source);
          throw new Error(`${bomb.name} (${bytes} bytes) was accepted`);
        } catch (error) {
          if (!(error instanceof GraphQLError)) throw error;
          const code = String(error.extensions.code);
          const limit = /\((MAX_[A-Z_]+)\)/.exec(error.message)?.[1];
          if (!['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED'].includes(code) || !limit)
            throw new Error(`${bomb.name} (${bytes} bytes) refused with ${code} for another reason: ${error.message}`);
          refusedBy = `${code} (${limit})`;
        }
        if (i >= 10) times.push((performance.now() - started) * 1000);
      }
      const sample = bomb.make(bytes, 0);
      results.push({ name: bomb.name, kilobytes: sample.length / 1024, refusedBy, refuseMicros: median(times), unprotected: unprotected(schema, sample) });
    }
  }
  return results;
}
