import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { testStorageKind } from '../../tests/support/testStorage';
import { startSubgraphUnderTest, type SubgraphUnderTest } from '../../tests/support/subgraphHarness';
import { domainRejectionOf } from '../../tests/support/domainErrors';
import { systemClock } from '../../platform/clock';
import { ErrorCode } from '../../platform/errors';
import { newId } from '../../platform/ids';
import { SEED_PRODUCTS } from '../../platform/seedData';
import { productsSubgraph } from '../products/subgraph';
import { subgraphProductCatalog } from './productCatalog';

/** Starts a plain HTTP server that answers every request with `handle`; returns its URL and a closer. */
async function fakeServer(handle: http.RequestListener): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * The HTTP adapter of the ProductCatalog port, against a real products
 * subgraph (seeded, on its own storage, on a free port).
 */
describe(`subgraphProductCatalog (${testStorageKind()})`, () => {
  let products: SubgraphUnderTest;

  beforeAll(async () => {
    products = await startSubgraphUnderTest('products', (db, outbox) => productsSubgraph({ db, outbox, clock: systemClock }));
  });
  afterAll(() => products?.stop());

  it('given known products, then it returns their current prices from ONE request', async () => {
    let requests = 0;
    const countingFetch: typeof fetch = (input, init) => {
      requests += 1;
      return fetch(input, init);
    };
    const wanted = SEED_PRODUCTS.slice(0, 12);
    const prices = await subgraphProductCatalog(products.url, countingFetch).pricesOf(wanted.map((p) => p.id));
    expect(requests).toBe(1);
    expect(prices).toEqual(new Map(wanted.map((p) => [p.id, { amount: p.priceAmount, currency: p.currency }])));
  });

  it('given an id the catalog does not know, then that id is absent and the others are priced', async () => {
    const known = SEED_PRODUCTS[3]!;
    const unknown = newId();
    const prices = await subgraphProductCatalog(products.url).pricesOf([unknown, known.id]);
    expect([...prices.keys()]).toEqual([known.id]);
  });

  it('given the same id twice, then it asks once and answers once', async () => {
    const product = SEED_PRODUCTS[5]!;
    const prices = await subgraphProductCatalog(products.url).pricesOf([product.id, product.id]);
    expect(prices.size).toBe(1);
  });

  it('given no ids, then it sends no request', async () => {
    const neverCalled: typeof fetch = () => Promise.reject(new Error('should not be called'));
    expect((await subgraphProductCatalog(products.url, neverCalled).pricesOf([])).size).toBe(0);
  });

  it('given products cannot be reached, then it fails with SERVICE_UNAVAILABLE naming no host', async () => {
    const gone = await fakeServer(() => undefined);
    await gone.close();
    const failure = await domainRejectionOf(subgraphProductCatalog(gone.url).pricesOf([SEED_PRODUCTS[0]!.id]), ErrorCode.SERVICE_UNAVAILABLE);
    expect(failure.message).toBe('The product catalog could not be reached, so prices are unknown and nothing was ordered. Try again later.');
    expect(failure.message).not.toMatch(/127\.0\.0\.1|http/);
  });

  it('given products do not answer in time, then it gives up with SERVICE_UNAVAILABLE', async () => {
    const silent = await fakeServer(() => undefined);
    try {
      const started = Date.now();
      const failure = await domainRejectionOf(subgraphProductCatalog(silent.url, fetch, 200).pricesOf([SEED_PRODUCTS[0]!.id]), ErrorCode.SERVICE_UNAVAILABLE);
      expect(failure.message).toMatch(/did not answer within 200 ms/);
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      await silent.close();
    }
  });

  it.each([
    ['an HTTP error', 502, { errors: [{ message: 'bad gateway' }] }, /answered HTTP 502/],
    ['GraphQL errors', 200, { data: { _entities: null }, errors: [{ message: 'relation does not exist' }] }, /answered with errors/],
    ['a malformed product', 200, { data: { _entities: [{ id: 'x', price: null }] } }, /malformed product/],
    ['too few entities', 200, { data: { _entities: [] } }, /answered with errors/],
  ])('given products answer with %s, then it fails with SERVICE_UNAVAILABLE', async (_, status, body, message) => {
    const broken = await fakeServer((_req, res) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
    try {
      const failure = await domainRejectionOf(subgraphProductCatalog(broken.url).pricesOf([SEED_PRODUCTS[0]!.id]), ErrorCode.SERVICE_UNAVAILABLE);
      expect(failure.message).toMatch(message);
    } finally {
      await broken.close();
    }
  });
});
