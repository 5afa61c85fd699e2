import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RunningGateway } from '../../gateway/server';
import { BENCH_QUERY } from './data';
import { startBenchGateway } from './ourGateway';
import { packageOf } from './profileSummary';
import { ReferenceChecker, referenceAnswer } from './reference';
import { serveBenchSubgraph, type BenchSubgraphServer } from './subgraphServer';
import { benchSubgraphSchema, BENCH_SUBGRAPH_NAMES, type BenchSubgraphName } from './subgraphs';
import { composeBenchSupergraph } from './supergraph';

// What would make the federation benchmark measure the wrong thing without
// saying so: a checker that lets a wrong answer through, or subgraphs that
// do not answer the query the reference describes.

describe('the federation benchmark reference checker', () => {
  const checker = new ReferenceChecker();
  const reference = referenceAnswer();

  it('given the reference answer, when checked, then it is correct', () => {
    expect(checker.check(200, JSON.stringify(reference))).toEqual({ ok: true });
  });

  it('given the reference answer with extensions and other whitespace, when checked, then it is correct', () => {
    expect(checker.check(200, JSON.stringify({ ...reference, extensions: { traced: true } }, null, 2))).toEqual({ ok: true });
  });

  it('given one wrong leaf deep in the answer, when checked, then it is refused naming the path', () => {
    const wrong = structuredClone(reference);
    wrong.data.users[2]!.reviews[1]!.product.reviews[0]!.author.reviews[0]!.product.shippingEstimate += 1;
    const verdict = checker.check(200, JSON.stringify(wrong));
    expect(verdict.ok).toBe(false);
    expect(verdict).toMatchObject({
      reason: expect.stringContaining('data.users[2].reviews[1].product.reviews[0].author.reviews[0].product.shippingEstimate'),
    });
  });

  it('given the same values with keys in another order, when checked, then it is refused', () => {
    const [first, ...rest] = reference.data.topProducts;
    const { name, inStock, ...others } = first!;
    const reordered = { data: { users: reference.data.users, topProducts: [{ name, inStock, ...others }, ...rest] } };
    expect(checker.check(200, JSON.stringify(reordered)).ok).toBe(false);
  });

  it('given a missing list item, errors beside the data, a non-JSON body or a 500, when checked, then each is refused', () => {
    const short = { data: { ...reference.data, users: reference.data.users.slice(1) } };
    expect(checker.check(200, JSON.stringify(short))).toMatchObject({ ok: false, reason: expect.stringContaining('data.users: 4 items, expected 5') });
    expect(checker.check(200, JSON.stringify({ ...reference, errors: [{ message: 'partial' }] })).ok).toBe(false);
    expect(checker.check(200, '<html>').ok).toBe(false);
    expect(checker.check(500, JSON.stringify(reference)).ok).toBe(false);
  });
});

describe('the profile summary', () => {
  it('given script URLs, when grouped, then each is named by its package, scoped ones whole', () => {
    expect(packageOf('file:///w/node_modules/@apollo/gateway/dist/executeQueryPlan.js', 'f')).toBe('@apollo/gateway');
    expect(packageOf('file:///w/node_modules/a/node_modules/graphql/execution/execute.js', 'f')).toBe('graphql');
    expect(packageOf('node:internal/streams/readable', 'f')).toBe('node:');
    expect(packageOf('file:///w/dist/gateway/server.js', 'f')).toBe('(project)');
    expect(packageOf('', '(garbage collector)')).toBe('(garbage collector)');
  });
});

describe('the federation benchmark subgraphs through our gateway', () => {
  const subgraphs: BenchSubgraphServer[] = [];
  let gateway: RunningGateway | undefined;
  let dir: string | undefined;

  beforeAll(async () => {
    const urls = {} as Record<BenchSubgraphName, string>;
    for (const name of BENCH_SUBGRAPH_NAMES) {
      const server = await serveBenchSubgraph(benchSubgraphSchema(name), 0);
      subgraphs.push(server);
      urls[name] = server.url;
    }
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-federation-test-'));
    const supergraphPath = path.join(dir, 'supergraph.graphql');
    fs.writeFileSync(supergraphPath, composeBenchSupergraph(urls));
    gateway = await startBenchGateway({ supergraphPath, port: 0, logLevel: 'silent' });
  });

  afterAll(async () => {
    await gateway?.close();
    for (const server of subgraphs) await server.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('given the benchmark query, when our gateway runs it, then the body is the reference answer, fetched from every subgraph', async () => {
    const response = await fetch(gateway!.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: BENCH_QUERY, operationName: 'TestQuery' }),
    });
    const text = await response.text();
    expect(new ReferenceChecker().check(response.status, text)).toEqual({ ok: true });
    // Every subgraph had its part of the plan.
    for (const server of subgraphs) expect(server.requests()).toBeGreaterThan(0);
    expect(Buffer.byteLength(text)).toBeGreaterThan(20_000);
  });
});
