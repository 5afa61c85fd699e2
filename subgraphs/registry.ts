import type { Database } from '../platform/storage/database';
import type { Outbox } from '../platform/events/outbox';
import type { EventBus } from '../platform/events/eventBus';
import type { Clock } from '../platform/clock';
import type { SubgraphDefinition } from '../platform/subgraph';
import type { Projection } from '../platform/events/projection';
import { ordersProjections } from './orders/projections';
import { reviewsProjections } from './reviews/projections';

/** What a composition root hands a subgraph's factory. */
export interface SubgraphFactoryDeps {
  /** The subgraph's handle on storage (its own Postgres schema). */
  db: Database;
  /** The subgraph's event log. */
  outbox: Outbox;
  /** The bus its relay publishes to and its subscriptions watch. */
  bus: EventBus;
  clock: Clock;
  /** Generated keys and secrets live here. */
  dataDir: string;
  /** The access-token settings (accounts issues tokens); absent: the defaults. */
  jwt?: { issuer: string; audience: string; ttlSeconds: number; privateKeyPem?: string | undefined } | undefined;
}

/** One subgraph as every composition root (the embedded stack, the tools, its own `main.ts`) knows it. */
export interface RegisteredSubgraph {
  /** Also the name of its Postgres schema and of its folder. */
  name: SubgraphName;
  /** Its port when run as its own process (`PORT`) or in the embedded stack (`portVariable`). */
  defaultPort: number;
  /** The variable that sets its port in the embedded stack, e.g. `ACCOUNTS_PORT`. */
  portVariable: string;
  /**
   * Builds the subgraph's definition. Its module (Apollo, resolvers, SQL) is
   * loaded only when this is called, so a composition root reports a bad
   * setting before seconds go into loading it.
   */
  // `any`: each subgraph has a context type of its own; a composition root only hands the definition on to `runSubgraph`.
  factory(deps: SubgraphFactoryDeps): Promise<SubgraphDefinition<any>>;
  /** The read models it keeps from its own event log, by projection name (the rebuild tool takes them). */
  projections: readonly Projection[];
}

export type SubgraphName = 'accounts' | 'products' | 'inventory' | 'orders' | 'reviews';

/** Every subgraph, in the order the embedded stack starts them; a new subgraph is added here only. */
export const SUBGRAPHS: readonly RegisteredSubgraph[] = [
  {
    name: 'accounts',
    defaultPort: 4001,
    portVariable: 'ACCOUNTS_PORT',
    factory: async ({ jwt, ...deps }) => {
      const { accountsDepsFromConfig, accountsSubgraph } = require('./accounts/subgraph') as typeof import('./accounts/subgraph');
      return accountsSubgraph(await accountsDepsFromConfig({ ...deps, jwt }));
    },
    projections: [],
  },
  {
    name: 'products',
    defaultPort: 4002,
    portVariable: 'PRODUCTS_PORT',
    factory: async (deps) => (require('./products/subgraph') as typeof import('./products/subgraph')).productsSubgraph(deps),
    projections: [],
  },
  {
    name: 'inventory',
    defaultPort: 4003,
    portVariable: 'INVENTORY_PORT',
    factory: async (deps) => (require('./inventory/subgraph') as typeof import('./inventory/subgraph')).inventorySubgraph(deps),
    projections: [],
  },
  {
    name: 'orders',
    defaultPort: 4004,
    portVariable: 'ORDERS_PORT',
    factory: async (deps) => (require('./orders/subgraph') as typeof import('./orders/subgraph')).ordersSubgraph(deps),
    projections: ordersProjections,
  },
  {
    name: 'reviews',
    defaultPort: 4005,
    portVariable: 'REVIEWS_PORT',
    factory: async (deps) => (require('./reviews/subgraph') as typeof import('./reviews/subgraph')).reviewsSubgraph(deps),
    projections: reviewsProjections,
  },
];

/** The registered subgraph called `name`. */
export function registeredSubgraph(name: SubgraphName): RegisteredSubgraph {
  const subgraph = SUBGRAPHS.find((candidate) => candidate.name === name);
  if (!subgraph) throw new Error(`No subgraph is registered as "${name}".`);
  return subgraph;
}

/** Every port setting of the embedded stack, `PORT` (the gateway) and each subgraph's, set to 0: free ports, for tests and benchmarks. */
export function freeStackPorts(): Record<string, string> {
  return Object.fromEntries(['PORT', ...SUBGRAPHS.map(({ portVariable }) => portVariable)].map((name) => [name, '0']));
}
