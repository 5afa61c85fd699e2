import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { openStorage } from '../platform/storage/openStorage';
import type { EventBus } from '../platform/events/eventBus';
import { InMemoryEventBus } from '../platform/events/inMemoryEventBus';
import { NatsEventBus } from '../platform/events/natsEventBus';
import { startStack } from '../embedded/startStack';
import { DEFAULT_RATE_LIMITS } from '../gateway/plugins/rateLimitSettings';
import { SEED_PRODUCTS } from '../platform/seedData';

/** Percentile of sorted samples. */
function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function gql(url: string, query: string, variables: Record<string, unknown>, token?: string): Promise<any> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: any; errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

/** Polls every 2 ms until `check` holds; returns the milliseconds it took. */
async function timeUntil(check: () => Promise<boolean>): Promise<number> {
  const started = performance.now();
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 2));
  return performance.now() - started;
}

export interface LagResult {
  bus: string;
  storage: string;
  samples: number;
  saga: { p50: number; p95: number };
  rating: { p50: number; p95: number };
}

/**
 * How far behind the write side the eventually consistent fields are, as a
 * client sees them through the gateway: from a mutation's response until
 * `order.status` leaves PENDING (the saga: orders → inventory → orders), and
 * until `Product.rating.count` includes a new review (the projection).
 */
export async function measureEventLag(busKind: 'in-memory' | 'nats', samples = 30): Promise<LagResult> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-'));
  const storage = await openStorage({ databaseUrl: process.env.DATABASE_URL, dataDir });
  const prefix = `bench${randomBytes(4).toString('hex')}`;
  const bus: EventBus = busKind === 'nats' ? await NatsEventBus.connect({ servers: process.env.NATS_URL!, prefix }) : new InMemoryEventBus();
  const stack = await startStack({
    storage,
    bus,
    dataDir,
    host: '127.0.0.1',
    ports: { gateway: 0, accounts: 0, products: 0, inventory: 0, orders: 0, reviews: 0 },
    production: true,
    seed: true,
    logLevel: 'silent',
    identitySecret: new Uint8Array(randomBytes(32)),
    jwt: { issuer: 'commerce-accounts', audience: 'commerce-api', ttlSeconds: 3600 },
    // One client signs up and polls as fast as it can: the budgets are what is not measured here.
    gateway: { rateLimits: { ...DEFAULT_RATE_LIMITS, operations: 1_000_000, credentials: 1_000_000 } },
  });
  try {
    const url = stack.gateway.url;
    await stack.settle();
    const saga: number[] = [];
    const rating: number[] = [];
    for (let i = 0; i < samples; i += 1) {
      const email = `bench${i}.${prefix}@example.com`;
      const token = (await gql(url, 'mutation($i: SignUpInput!) { signUp(input: $i) { token } }', { i: { email, name: 'Bench', password: 'bench-password' } }))
        .signUp.token;
      const productId = SEED_PRODUCTS[i % SEED_PRODUCTS.length]!.id;
      const placed = await gql(
        url,
        'mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { order { id } } }',
        { i: { lines: [{ productId, quantity: 1 }] } },
        token,
      );
      const orderId = placed.placeOrder.order.id;
      saga.push(
        await timeUntil(async () => (await gql(url, 'query($id: ID!) { order(id: $id) { status } }', { id: orderId }, token)).order.status !== 'PENDING'),
      );
      const before = (await gql(url, 'query($id: ID!) { product(id: $id) { rating { count } } }', { id: productId })).product.rating.count;
      await gql(url, 'mutation($i: AddReviewInput!) { addReview(input: $i) { review { id } } }', { i: { productId, rating: 4, body: 'Bench.' } }, token);
      rating.push(
        await timeUntil(
          async () => (await gql(url, 'query($id: ID!) { product(id: $id) { rating { count } } }', { id: productId })).product.rating.count > before,
        ),
      );
    }
    saga.sort((a, b) => a - b);
    rating.sort((a, b) => a - b);
    return {
      bus: busKind,
      storage: storage.kind,
      samples,
      saga: { p50: percentile(saga, 50), p95: percentile(saga, 95) },
      rating: { p50: percentile(rating, 50), p95: percentile(rating, 95) },
    };
  } finally {
    await stack.close();
    if (bus instanceof NatsEventBus) await bus.deleteStreams();
    await bus.close();
    await storage.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
