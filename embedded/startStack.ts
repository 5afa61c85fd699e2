import path from 'node:path';
import type { ConnectionPool } from '../platform/storage/database';
import { systemClock, type Clock } from '../platform/clock';
import { createLogger } from '../platform/logger';
import { runSubgraph, type RunningSubgraph } from '../platform/subgraph';
import type { EventBus } from '../platform/events/eventBus';
import { Outbox } from '../platform/events/outbox';
import { startGateway, type RunningGateway } from '../gateway/server';
import type { SharedStore } from '../platform/sharedState/sharedStore';
import type { GatewaySettings } from '../gateway/gatewayConfig';
import type { GatewayPlugin } from '../gateway/plugins/gatewayPlugin';
import { loadSupergraph } from '../gateway/supergraph';
import { createAuthenticator } from '../gateway/auth/authenticate';
import { SUBGRAPHS, type SubgraphName } from '../subgraphs/registry';
import { MemorySharedStore } from '../platform/sharedState/memorySharedStore';

/** The ports of the embedded stack; 0 picks free ones (tests). */
export type StackPorts = { gateway: number } & Record<SubgraphName, number>;

export type { SubgraphName };

export interface StackOptions {
  /** One pool shared by every subgraph; each writes only its own Postgres schema. */
  storage: ConnectionPool;
  /** One bus shared by every subgraph (relays, consumers and subscriptions); the owner closes it. */
  bus: EventBus;
  /** Generated keys and secrets live here. */
  dataDir: string;
  host: string;
  ports: StackPorts;
  production: boolean;
  /** Load demo data into empty tables. */
  seed: boolean;
  /** Where the gateway reaches each subgraph, given the URL it listens on (tests put a fault proxy between). Default: that URL. */
  gatewaySubgraphUrl?: (name: SubgraphName, url: string) => string | Promise<string>;
  /** `SUBGRAPH_KEEP_ALIVE_TIMEOUT_MS` of every subgraph. Default 5000. */
  subgraphKeepAliveTimeoutMs?: number;
  /** pino level for every part. */
  logLevel: string;
  /** Shared by the gateway and the subgraphs to sign and verify caller identities. */
  identitySecret: Uint8Array;
  /** Also accepted by the subgraphs while `identitySecret` replaces it (a rotation). Default none. */
  previousIdentitySecret?: Uint8Array;
  jwt: { issuer: string; audience: string; ttlSeconds: number; privateKeyPem?: string | undefined };
  /** Default: the system clock. */
  clock?: Clock;
  /**
   * One store for the stack's shared state (the gateway's rate-limit budgets
   * and persisted queries, the subgraphs' signature nonces); the owner closes
   * it. Default: one in this process's memory, closed with the stack.
   */
  sharedStore?: SharedStore;
  /** Default: `schema/supergraph.graphql`. */
  supergraphPath?: string;
  /** Default: `!production`. */
  introspection?: boolean;
  /** The gateway's settings as read from the environment (`INTROSPECTION`, `MAX_BODY_BYTES`, `CORS_ORIGINS`, `MAX_COST`, `COST_MODE`, the operation limits); they win over `introspection`. */
  gateway?: Partial<GatewaySettings>;
  /** Gateway plugins run after the built-in ones. Default none. */
  gatewayPlugins?: readonly GatewayPlugin[];
}

export interface RunningStack {
  gateway: RunningGateway;
  /** Each subgraph's GraphQL endpoint. */
  subgraphs: Record<SubgraphName, RunningSubgraph>;
  /** Each subgraph's event log. */
  outboxes: Record<SubgraphName, Outbox>;
  /**
   * Publishes every unsent event, waits for every consumer to have handled
   * every event of its types, and catches every projection up, repeatedly
   * until nothing moves (tests use it).
   */
  settle(): Promise<void>;
  /** Stops the gateway first, then the subgraphs; storage stays open (its owner closes it). */
  close(): Promise<void>;
}

/**
 * Runs the whole supergraph in one process: every subgraph of
 * `subgraphs/registry.ts` on its own port over one shared storage pool, and
 * the gateway in front of them. Used
 * by `npm start` (embedded/main.ts) and by the end-to-end tests.
 */
export async function startStack(options: StackOptions): Promise<RunningStack> {
  const clock = options.clock ?? systemClock;
  const started: Array<{ close(): Promise<void> }> = [];
  // A store made here is closed here, after everything that uses it.
  const ownStore = options.sharedStore ? undefined : new MemorySharedStore();
  const sharedStore = options.sharedStore ?? ownStore!;
  try {
    const outboxes = {} as Record<SubgraphName, Outbox>;
    const subgraphs = {} as Record<SubgraphName, RunningSubgraph>;
    const consumers: ConsumerOf[] = [];
    const { bus } = options;
    for (const { name, factory } of SUBGRAPHS) {
      const db = options.storage.database(name);
      const outbox = new Outbox(name, clock);
      outboxes[name] = outbox;
      const definition = await factory({ db, outbox, bus, clock, dataDir: options.dataDir, jwt: options.jwt });
      for (const consumer of definition.consumers ?? [])
        consumers.push({ schema: name, consumer: consumer.name, domain: consumer.domain, types: consumer.types });
      const server = await runSubgraph(definition, {
        db,
        eventsDb: options.storage.database(`${name}:events`),
        outbox,
        bus,
        port: options.ports[name],
        host: options.host,
        production: options.production,
        identitySecret: options.identitySecret,
        previousIdentitySecret: options.previousIdentitySecret,
        nonceStore: sharedStore,
        clock,
        logger: createLogger(name, options.logLevel),
        seed: options.seed,
        keepAliveTimeoutMs: options.subgraphKeepAliveTimeoutMs,
      });
      started.push(server);
      subgraphs[name] = server;
    }

    const jwksUrl = new URL('/.well-known/jwks.json', subgraphs.accounts.url).toString();
    const gateway = await startGateway({
      supergraph: loadSupergraph(options.supergraphPath ?? path.resolve(__dirname, '../schema/supergraph.graphql')),
      subgraphUrls: Object.fromEntries(
        await Promise.all(SUBGRAPHS.map(async ({ name }) => [name, (await options.gatewaySubgraphUrl?.(name, subgraphs[name].url)) ?? subgraphs[name].url])),
      ) as Record<string, string>,
      port: options.ports.gateway,
      host: options.host,
      production: options.production,
      introspection: options.introspection,
      ...options.gateway,
      plugins: options.gatewayPlugins,
      sharedStore,
      authenticate: createAuthenticator({ jwksUrl, issuer: options.jwt.issuer, audience: options.jwt.audience, clock }),
      clock,
      identitySecret: options.identitySecret,
      logger: createLogger('gateway', options.logLevel),
    });
    return {
      gateway,
      subgraphs,
      outboxes,
      settle: async () => {
        // Each round publishes what the last one's consumers wrote; a few rounds settle a saga. Consumers
        // catching up on a long stream (the seed's products) may need more: rounds go on while anything is
        // unsettled, for at most 15 s.
        const until = Date.now() + 15_000;
        for (let round = 0; round < 10 || Date.now() < until; round += 1) {
          const before = await unsettledCount(options.storage, Object.keys(subgraphs), consumers);
          await Promise.all(Object.values(subgraphs).map((subgraph) => subgraph.drainOutbox()));
          await new Promise((resolve) => setTimeout(resolve, 50));
          await Promise.all(Object.values(subgraphs).map((subgraph) => subgraph.catchUpProjections()));
          if (before === 0 && (await unsettledCount(options.storage, Object.keys(subgraphs), consumers)) === 0) return;
        }
      },
      close: async () => {
        await gateway.close();
        await Promise.all(started.map((server) => server.close()));
        await ownStore?.close();
      },
    };
  } catch (error) {
    await Promise.allSettled(started.map((server) => server.close()));
    await ownStore?.close();
    throw error;
  }
}

/** A consumer as `settle` counts its progress: the subgraph (schema) whose inbox records it, and what it reads. */
interface ConsumerOf {
  schema: string;
  consumer: string;
  domain: string;
  types: readonly string[];
}

/**
 * Unpublished outbox rows across the subgraphs, plus the events each consumer
 * has not handled yet (its types in the producing domain's outbox, less its
 * inbox rows): a consumer that keeps a read model writes no event of its own,
 * so unpublished rows alone would not show that it still lags.
 */
async function unsettledCount(storage: ConnectionPool, schemas: string[], consumers: readonly ConsumerOf[]): Promise<number> {
  const db = storage.database('settle');
  let total = 0;
  for (const schema of schemas) {
    const [row] = await db.query<{ n: string }>(`select count(*) as n from ${schema}.outbox where published_at is null`);
    total += Number(row?.n ?? 0);
  }
  for (const { schema, consumer, domain, types } of consumers) {
    const [produced] = await db.query<{ n: string }>(`select count(*) as n from ${domain}.outbox where type = any($1::text[])`, [types]);
    const [handled] = await db.query<{ n: string }>(`select count(*) as n from ${schema}.inbox where consumer = $1`, [consumer]);
    total += Math.max(0, Number(produced?.n ?? 0) - Number(handled?.n ?? 0));
  }
  return total;
}
