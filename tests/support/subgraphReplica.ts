import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap';
import { systemClock } from '../../platform/clock';
import type { EventBus, EventSubscription } from '../../platform/events/eventBus';
import { Outbox } from '../../platform/events/outbox';
import { createLogger } from '../../platform/logger';
import { MemorySharedStore } from '../../platform/sharedState/memorySharedStore';
import type { ConnectionPool } from '../../platform/storage/database';
import { startSubgraphServer, type RunningServer } from '../../platform/subgraphServer';
import { SUBGRAPHS, type SubgraphName } from '../../subgraphs/registry';

/**
 * One more instance of a subgraph of a running stack: the same schema and
 * resolvers over the same storage and bus, serving HTTP and graphql-ws. The
 * stack's own instance keeps the background work (relay, consumers,
 * projections), which the in-process bus allows once per consumer name.
 */
export interface SubgraphReplica {
  /** Its GraphQL endpoint, the same across restarts. */
  readonly url: string;
  /** Bus watches its subscriptions hold now: one per live subscription. */
  readonly watches: number;
  /** Stops it as a process shutting down does (sockets closed 1001, requests in flight finished). */
  stop(): Promise<void>;
  /** Starts it again on the same port, as a restarted process. */
  start(): Promise<void>;
}

export interface SubgraphReplicaOptions {
  storage: ConnectionPool;
  /** The stack's bus: subscriptions watch it, as every instance's do. */
  bus: EventBus;
  identitySecret: Uint8Array;
  dataDir: string;
  jwt: { issuer: string; audience: string; ttlSeconds: number };
}

/** Starts a replica of `name` on a free port. */
export async function startSubgraphReplica(name: SubgraphName, options: SubgraphReplicaOptions): Promise<SubgraphReplica> {
  let watches = 0;
  // The stack's bus as this instance uses it, counting its watches; closing the stack closes the bus.
  const bus: EventBus = {
    durable: options.bus.durable,
    publish: (event) => options.bus.publish(event),
    subscribe: (subscribeOptions, handler) => options.bus.subscribe(subscribeOptions, handler),
    head: (domain) => options.bus.head(domain),
    watch: async (watchOptions, handler): Promise<EventSubscription> => {
      const watch = await options.bus.watch(watchOptions, handler);
      watches += 1;
      let stopped = false;
      return {
        stop: async () => {
          if (!stopped) watches -= 1;
          stopped = true;
          await watch.stop();
        },
      };
    },
    close: async () => undefined,
  };
  const registered = SUBGRAPHS.find((subgraph) => subgraph.name === name)!;
  const definition = await registered.factory({
    db: options.storage.database(name),
    outbox: new Outbox(name, systemClock),
    bus,
    clock: systemClock,
    dataDir: options.dataDir,
    jwt: options.jwt,
  });
  const schema = buildSubgraphSchema({ typeDefs: definition.typeDefs, resolvers: definition.resolvers as GraphQLResolverMap<unknown> });
  const nonceStore = new MemorySharedStore();
  let port = 0;
  let server: RunningServer | undefined;
  const start = async () => {
    server = await startSubgraphServer({
      name,
      schema,
      port,
      host: '127.0.0.1',
      production: false,
      identitySecret: options.identitySecret,
      nonceStore,
      createContext: (viewer, requestId) => definition.createContext(viewer, requestId),
      logger: createLogger(`${name}-replica`, process.env.TEST_LOG_LEVEL ?? 'silent'),
    });
    port = server.port;
  };
  await start();
  const url = server!.url;
  return {
    url,
    get watches() {
      return watches;
    },
    stop: async () => {
      await server?.close();
      server = undefined;
    },
    start,
  };
}
