import type { DocumentNode } from 'graphql';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { BaseContext } from '@apollo/server';
import type { Viewer } from './auth/identity';
import type { Database } from './storage/database';
import { migrate } from './storage/migrate';
import type { Logger } from './logger';
import { startSubgraphServer, type RouteHandler, type RunningServer } from './subgraphServer';

/** What a subgraph module hands to whoever runs it: the embedded stack or its own `main.ts`. */
export interface SubgraphDefinition<TContext extends BaseContext> {
  /** Also the name of its Postgres schema. */
  name: string;
  typeDefs: DocumentNode;
  resolvers: GraphQLResolverMap<TContext>;
  /** Folder of numbered `.sql` migrations. */
  migrationsDir: string;
  /** Builds the per-request context: the caller plus fresh DataLoaders. */
  createContext(viewer: Viewer): TContext;
  /** Loads the deterministic demo data when the subgraph's tables are empty. */
  seed?(db: Database): Promise<void>;
  /** Non-GraphQL routes, such as the accounts JWKS. */
  routes?: RouteHandler[];
}

export interface RunSubgraphOptions {
  /** The subgraph's handle on storage (`ConnectionPool.database(name)`). */
  db: Database;
  port: number;
  host: string;
  production: boolean;
  identitySecret: Uint8Array;
  logger: Logger;
  /** Seed an empty database with demo data. */
  seed: boolean;
}

/** Migrates the subgraph's schema, seeds it when asked, and serves it. */
export async function runSubgraph<TContext extends BaseContext>(
  definition: SubgraphDefinition<TContext>,
  options: RunSubgraphOptions,
): Promise<RunningServer> {
  const { db } = options;
  const applied = await migrate(db, definition.name, definition.migrationsDir);
  if (applied.length) options.logger.info({ applied }, `${definition.name} migrations applied`);
  if (options.seed && definition.seed) await definition.seed(db);
  return startSubgraphServer({
    name: definition.name,
    schema: buildSubgraphSchema({ typeDefs: definition.typeDefs, resolvers: definition.resolvers as GraphQLResolverMap<unknown> }),
    port: options.port,
    host: options.host,
    production: options.production,
    identitySecret: options.identitySecret,
    createContext: (viewer) => definition.createContext(viewer),
    logger: options.logger,
    routes: definition.routes,
  });
}
