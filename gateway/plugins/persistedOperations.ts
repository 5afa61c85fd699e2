import fs from 'node:fs';
import { createHash } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { ErrorCode } from '../../platform/errors';
import type { Logger } from '../../platform/logger';
import type { SharedStore } from '../../platform/sharedState/sharedStore';
import type { GatewayOperation, GatewayPlugin, SentOperation } from './gatewayPlugin';

/**
 * `off`: no persisted operations (a request that names one is answered
 * `PERSISTED_QUERY_NOT_SUPPORTED`, so Apollo Client's link stops hashing);
 * `apq`: automatic persisted queries, registered by any client;
 * `safelist`: only the operations of a manifest run.
 */
export type PersistedOperationsMode = 'off' | 'apq' | 'safelist';

/** One operation of an Apollo persisted query manifest; `id` is the SHA-256 (hex) of `body`. */
export interface ManifestOperation {
  id: string;
  name: string;
  type: 'query' | 'mutation' | 'subscription';
  body: string;
}

/** Apollo's persisted query manifest (what `@apollo/generate-persisted-query-manifest` writes and GraphOS reads). */
export interface PersistedQueryManifest {
  format: 'apollo-persisted-query-manifest';
  version: 1;
  operations: ManifestOperation[];
}

export interface PersistedOperationsOptions {
  /** Default `apq`. */
  mode?: PersistedOperationsMode;
  /** Where automatic persisted queries are kept (`apq:<sha256>`); instances sharing it share them. Needed in `apq` mode. */
  store?: SharedStore;
  /** How long a registered text is kept; a client whose hash expired registers it again with one retry. Default 86 400 s (24 h). */
  ttlSeconds?: number;
  /** The operations `safelist` mode runs. Needed in `safelist` mode. */
  manifest?: PersistedQueryManifest;
  /** Store failures are logged here (and the operation goes on without the store). Default: not logged. */
  logger?: Logger;
}

/** The SHA-256 of a text as lowercase hex: the hash Apollo Client's link sends and a manifest's `id`. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** What the hook learned and `onOperation` stores: the text that proved its hash. */
const REGISTER = Symbol('persistedOperations.register');

/** Status 200 and no caching, as Apollo Server answers them: Apollo Client's link retries on the result, not on an HTTP error. */
const RETRY_HTTP = { status: 200, headers: { 'cache-control': 'private, no-cache, must-revalidate' } };

/**
 * Persisted operations, on every transport alike (HTTP GET and POST,
 * multipart subscriptions, graphql-ws): the one mechanism, Apollo Server's
 * own APQ being off.
 *
 * A request names one with `extensions.persistedQuery: { version: 1,
 * sha256Hash }`, as Apollo Client's `createPersistedQueryLink` sends it. In
 * `apq` mode a hash alone runs the text stored under it, or is answered
 * `PERSISTED_QUERY_NOT_FOUND` (status 200) so the link sends it again with
 * its `query`; a text with its hash must hash to it (else 400
 * `BAD_REQUEST`), and is stored once it parsed within the limits and
 * validated (`onOperation`), so a text that fails never takes a key. In
 * `safelist` mode only the manifest's operations run, by hash or by their
 * exact text; anything else is answered 400 `PERSISTED_QUERY_NOT_IN_LIST`
 * before it is parsed.
 */
export function persistedOperationsPlugin(options: PersistedOperationsOptions = {}): GatewayPlugin {
  const mode = options.mode ?? 'apq';
  const ttlMs = (options.ttlSeconds ?? 86_400) * 1000;
  const { store, logger } = options;
  if (mode === 'apq' && !store) throw new Error('persistedOperationsPlugin: `apq` mode needs a `store`.');
  if (mode === 'safelist' && !options.manifest) throw new Error('persistedOperationsPlugin: `safelist` mode needs a `manifest`.');
  const safelist = new Map((options.manifest?.operations ?? []).map((operation) => [operation.id, operation.body]));

  const apq = async (operation: GatewayOperation, query: string | undefined, hash: string): Promise<string | undefined> => {
    if (query === undefined) {
      let stored: string | undefined;
      try {
        stored = await store!.get(`apq:${hash}`);
      } catch (error) {
        // Without the store the client's retry with its text still runs.
        logger?.warn({ err: error }, 'persisted query lookup failed');
      }
      if (stored === undefined)
        throw refusal(
          `PersistedQueryNotFound: no operation is stored under sha256Hash ${hash}; send it again with its query.`,
          ErrorCode.PERSISTED_QUERY_NOT_FOUND,
          RETRY_HTTP,
        );
      return stored;
    }
    checkHash(query, hash);
    operation.state.set(REGISTER, { hash, text: query });
    return undefined;
  };

  return {
    name: 'persistedOperations',
    async onResolveSource(operation, sent) {
      const hash = persistedHashOf(sent);
      switch (mode) {
        case 'off':
          if (hash !== undefined)
            throw refusal(
              'PersistedQueryNotSupported: persisted queries are off here; send the query itself.',
              ErrorCode.PERSISTED_QUERY_NOT_SUPPORTED,
              RETRY_HTTP,
            );
          return undefined;
        case 'apq':
          return hash === undefined ? undefined : apq(operation, sent.query, hash);
        case 'safelist': {
          if (hash !== undefined && sent.query !== undefined) checkHash(sent.query, hash);
          const id = hash ?? (sent.query === undefined ? undefined : sha256Hex(sent.query));
          // No text and no hash: Apollo Server answers that request as malformed.
          if (id === undefined) return undefined;
          const body = safelist.get(id);
          if (body === undefined) {
            throw refusal(
              `Only the operations of the gateway's persisted operation manifest run here, and ${hash === undefined ? 'this text (SHA-256 ' + id + ')' : 'hash ' + id} is not one of them.`,
              ErrorCode.PERSISTED_QUERY_NOT_IN_LIST,
              { status: 400 },
            );
          }
          return body;
        }
      }
    },
    async onOperation(operation) {
      const register = operation.state.get(REGISTER) as { hash: string; text: string } | undefined;
      if (!register || operation.source !== register.text) return;
      operation.state.delete(REGISTER);
      try {
        await store!.set(`apq:${register.hash}`, register.text, ttlMs);
      } catch (error) {
        logger?.warn({ err: error }, 'persisted query registration failed');
      }
    },
  };
}

/**
 * The hash of `extensions.persistedQuery`, or undefined when there is none;
 * throws 400 `BAD_REQUEST` for one that is malformed or of a version other
 * than 1.
 */
function persistedHashOf(sent: SentOperation): string | undefined {
  const persisted = sent.extensions?.persistedQuery;
  if (persisted === undefined || persisted === null) return undefined;
  if (typeof persisted !== 'object' || Array.isArray(persisted))
    throw badRequest(`extensions.persistedQuery must be an object { version: 1, sha256Hash }, and it is ${JSON.stringify(persisted)}.`);
  const { version, sha256Hash } = persisted as Record<string, unknown>;
  if (version !== 1) throw badRequest(`Unsupported persisted query version ${JSON.stringify(version)}: extensions.persistedQuery.version must be 1.`);
  if (typeof sha256Hash !== 'string' || !SHA256_HEX.test(sha256Hash.toLowerCase()))
    throw badRequest(`extensions.persistedQuery.sha256Hash must be 64 hexadecimal digits (a SHA-256), and it is ${JSON.stringify(sha256Hash)}.`);
  return sha256Hash.toLowerCase();
}

function checkHash(query: string, hash: string): void {
  const actual = sha256Hex(query);
  if (actual !== hash)
    throw badRequest(`extensions.persistedQuery.sha256Hash must be the SHA-256 of its query: ${hash} was sent, and the query's is ${actual}.`);
}

function badRequest(message: string): GraphQLError {
  return refusal(message, ErrorCode.BAD_REQUEST, { status: 400 });
}

function refusal(message: string, code: ErrorCode, http: { status: number; headers?: Record<string, string> }): GraphQLError {
  return new GraphQLError(message, { extensions: { code, http } });
}

/**
 * Reads and checks a persisted query manifest (`npm run persisted:manifest`
 * writes `schema/persisted-operations.json`): Apollo's format, version 1,
 * and every `id` the SHA-256 of its `body`. Throws naming the first fault.
 */
export function loadPersistedQueryManifest(file: string): PersistedQueryManifest {
  let manifest: unknown;
  try {
    manifest = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`Cannot read the persisted operation manifest ${file}: ${(error as Error).message}`);
  }
  const { format, version, operations } = (manifest ?? {}) as Record<string, unknown>;
  if (format !== 'apollo-persisted-query-manifest' || version !== 1 || !Array.isArray(operations))
    throw new Error(`${file} is not a persisted query manifest: it needs "format": "apollo-persisted-query-manifest", "version": 1 and "operations".`);
  for (const [index, operation] of (operations as unknown[]).entries()) {
    const { id, body } = (operation ?? {}) as Record<string, unknown>;
    if (typeof body !== 'string' || typeof id !== 'string' || sha256Hex(body) !== id)
      throw new Error(`${file}: operations[${index}] needs a string "body" and an "id" that is its SHA-256 (lowercase hex).`);
  }
  return manifest as PersistedQueryManifest;
}
