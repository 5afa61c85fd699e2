import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { startStack, type RunningStack, type StackOptions } from '../../embedded/startStack';
import { openTestStorage, type TestStorage } from './testStorage';
import { openTestEventBus } from './testEventBus';
import { openTestSharedStore } from './testSharedStore';
import { graphql, graphqlOk, type GraphQLResponse } from './graphqlClient';
import { DEFAULT_RATE_LIMITS, type RateLimits } from '../../gateway/plugins/rateLimitSettings';

/** Budgets no suite reaches, unless it sets its own. */
const UNLIMITED: RateLimits = { ...DEFAULT_RATE_LIMITS, operations: 1_000_000, credentials: 1_000_000 };

export interface TestStack {
  stack: RunningStack;
  storage: TestStorage['storage'];
  /** Publishes every unsent event and brings projections up to date, until the saga settles. */
  settle(): Promise<void>;
  /** The gateway's `/graphql` URL. */
  url: string;
  /** The gateway's base URL, for `/health` and `/ready`. */
  baseUrl: string;
  query<T = any>(query: string, variables?: Record<string, unknown>, token?: string): Promise<GraphQLResponse<T>>;
  queryOk<T = any>(query: string, variables?: Record<string, unknown>, token?: string): Promise<T>;
  /** Logs in as a seeded user and returns the bearer token. */
  logIn(email: string, password: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * Starts the whole supergraph in this process on free ports, over storage of
 * its own (a PGlite copy, or a fresh PostgreSQL database), seeded and
 * settled: every subgraph's read models have handled the seed's events (so
 * inventory and reviews know the seeded products) before it returns.
 */
export async function startTestStack(overrides: Partial<StackOptions> = {}): Promise<TestStack> {
  const storage = await openTestStorage();
  // A bus handed in belongs to the caller; one made here is disposed of here.
  const bus = overrides.bus ? { bus: overrides.bus, dispose: async () => undefined } : await openTestEventBus();
  // Likewise a shared store handed in.
  const shared = overrides.sharedStore ? { store: overrides.sharedStore, dispose: async () => undefined } : await openTestSharedStore();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stack-'));
  let stack: RunningStack | undefined;
  try {
    stack = await startStack({
      storage: storage.storage,
      bus: bus.bus,
      dataDir,
      host: '127.0.0.1',
      ports: { gateway: 0, accounts: 0, products: 0, inventory: 0, orders: 0, reviews: 0 },
      production: false,
      seed: true,
      logLevel: process.env.TEST_LOG_LEVEL ?? 'silent',
      identitySecret: new Uint8Array(randomBytes(32)),
      jwt: { issuer: 'commerce-accounts', audience: 'commerce-api', ttlSeconds: 3600 },
      ...overrides,
      sharedStore: shared.store,
      // Suites sign in and query far more often than a person would; the rate-limit suite sets real budgets.
      gateway: { rateLimits: UNLIMITED, ...overrides.gateway },
    });
    await stack.settle();
  } catch (error) {
    await stack?.close();
    await bus.dispose();
    await shared.dispose();
    await storage.dispose();
    throw error;
  }
  const url = stack.gateway.url;
  const client: TestStack = {
    stack,
    storage: storage.storage,
    settle: () => stack.settle(),
    url,
    baseUrl: url.replace(/\/graphql$/, ''),
    query: (query, variables, token) => graphql(url, query, variables, { token }),
    queryOk: (query, variables, token) => graphqlOk(url, query, variables, token),
    logIn: async (email, password) => {
      const data = await graphqlOk<{ logIn: { token: string } }>(url, 'mutation($input: LogInInput!) { logIn(input: $input) { token } }', {
        input: { email, password },
      });
      return data.logIn.token;
    },
    close: async () => {
      await stack.close();
      await bus.dispose();
      await shared.dispose();
      await storage.dispose();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return client;
}
