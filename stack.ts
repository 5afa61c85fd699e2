import path from 'node:path';
import type { ConnectionPool } from './platform/storage/database';
import { systemClock, type Clock } from './platform/clock';
import { createLogger } from './platform/logger';
import { runSubgraph } from './platform/subgraph';
import type { RunningServer } from './platform/subgraphServer';
import { startGateway, type RunningGateway } from './gateway/server';
import { createAuthenticator } from './gateway/auth/authenticate';
import { accountsSubgraph } from './subgraphs/accounts/subgraph';
import { loadOrCreateSigningKey } from './subgraphs/accounts/signingKey';
import { productsSubgraph } from './subgraphs/products/subgraph';
import { inventorySubgraph } from './subgraphs/inventory/subgraph';
import { ordersSubgraph } from './subgraphs/orders/subgraph';
import { subgraphProductCatalog } from './subgraphs/orders/productCatalog';
import { reviewsSubgraph } from './subgraphs/reviews/subgraph';

/** The ports of the embedded stack; 0 picks free ones (tests). */
export interface StackPorts {
  gateway: number;
  accounts: number;
  products: number;
  inventory: number;
  orders: number;
  reviews: number;
}

export interface StackOptions {
  /** One pool shared by every subgraph; each writes only its own Postgres schema. */
  storage: ConnectionPool;
  /** Generated keys and secrets live here. */
  dataDir: string;
  host: string;
  ports: StackPorts;
  production: boolean;
  /** Load demo data into empty tables. */
  seed: boolean;
  /** pino level for every part. */
  logLevel: string;
  /** Shared by the gateway and the subgraphs to sign and verify caller identities. */
  identitySecret: Uint8Array;
  jwt: { issuer: string; audience: string; ttlSeconds: number; privateKeyPem?: string };
  /** Default: the system clock. */
  clock?: Clock;
  /** Default: `schema/supergraph.graphql`. */
  supergraphPath?: string;
  /** Default: `!production`. */
  introspection?: boolean;
}

export interface RunningStack {
  gateway: RunningGateway;
  /** Each subgraph's GraphQL endpoint. */
  subgraphs: Record<keyof Omit<StackPorts, 'gateway'>, RunningServer>;
  /** Stops the gateway first, then the subgraphs; storage stays open (its owner closes it). */
  close(): Promise<void>;
}

/**
 * Runs the whole supergraph in one process: the five subgraphs on their own
 * ports over one shared storage pool, and the gateway in front of them. Used
 * by `npm start` (main.ts) and by the end-to-end tests.
 */
export async function startStack(options: StackOptions): Promise<RunningStack> {
  const clock = options.clock ?? systemClock;
  const started: Array<{ close(): Promise<void> }> = [];
  try {
    const run = async <C extends object>(name: keyof Omit<StackPorts, 'gateway'>, build: (db: ReturnType<ConnectionPool['database']>) => Parameters<typeof runSubgraph<C>>[0]) => {
      const db = options.storage.database(name);
      const server = await runSubgraph(build(db), {
        db,
        port: options.ports[name],
        host: options.host,
        production: options.production,
        identitySecret: options.identitySecret,
        logger: createLogger(name, options.logLevel),
        seed: options.seed,
      });
      started.push(server);
      return server;
    };

    const signingKey = await loadOrCreateSigningKey({ configuredPem: options.jwt.privateKeyPem, dataDir: options.dataDir });
    const accounts = await run('accounts', (db) => accountsSubgraph({ db, clock, signingKey, jwt: options.jwt }));
    const products = await run('products', (db) => productsSubgraph({ db, clock }));
    const inventory = await run('inventory', (db) => inventorySubgraph({ db, clock }));
    const orders = await run('orders', (db) => ordersSubgraph({ db, clock, catalog: subgraphProductCatalog(products.url) }));
    const reviews = await run('reviews', (db) => reviewsSubgraph({ db, clock }));

    const jwksUrl = new URL('/.well-known/jwks.json', accounts.url).toString();
    const gateway = await startGateway({
      supergraphPath: options.supergraphPath ?? path.resolve(__dirname, 'schema/supergraph.graphql'),
      subgraphUrls: { accounts: accounts.url, products: products.url, inventory: inventory.url, orders: orders.url, reviews: reviews.url },
      port: options.ports.gateway,
      host: options.host,
      production: options.production,
      introspection: options.introspection,
      authenticate: createAuthenticator({ jwksUrl, issuer: options.jwt.issuer, audience: options.jwt.audience }),
      identitySecret: options.identitySecret,
      logger: createLogger('gateway', options.logLevel),
    });
    return {
      gateway,
      subgraphs: { accounts, products, inventory, orders, reviews },
      close: async () => {
        await gateway.close();
        await Promise.all(started.map((server) => server.close()));
      },
    };
  } catch (error) {
    await Promise.allSettled(started.map((server) => server.close()));
    throw error;
  }
}
