import type { Pool, PoolClient, QueryResultRow } from 'pg';

/** Something that runs one SQL statement: the database itself or an open transaction. */
export interface Sql {
  /** Runs one statement with positional parameters (`$1`, `$2`…) and returns its rows. */
  query<R extends QueryResultRow = QueryResultRow>(text: string, params?: readonly unknown[]): Promise<R[]>;
}

/** An open transaction. */
export interface Transaction extends Sql {
  /** Runs `callback` once the transaction has committed (never after a rollback); used to wake event relays. */
  afterCommit(callback: () => void): void;
}

/** A subgraph's handle on storage. It is scoped to one Postgres schema only by convention: every statement names its schema. */
export interface Database extends Sql {
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T>;
}

/** Called once for every statement sent to the database; tests use it to count statements per plan step. */
export type StatementListener = (statement: { scope: string; text: string }) => void;

/**
 * The process-wide connection pool plus the listeners observing it. Embedded
 * mode hands every subgraph the same PGlite-backed pool of size 1, so their
 * statements and transactions take turns on PGlite's single session.
 */
export class ConnectionPool {
  private readonly listeners = new Set<StatementListener>();

  constructor(
    readonly pool: Pool,
    /** `pglite` or `postgres`, for logs and tests. */
    readonly kind: 'pglite' | 'postgres',
    private readonly onClose: () => Promise<void> = async () => {},
  ) {}

  /** Subscribes to every statement; returns the unsubscribe function. */
  onStatement(listener: StatementListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A `Database` whose statements are reported under `scope` (the subgraph's name). */
  database(scope: string): Database {
    const run = async <R extends QueryResultRow>(runner: Pool | PoolClient, text: string, params?: readonly unknown[]) => {
      for (const listener of this.listeners) listener({ scope, text });
      const result = await runner.query<R>(text, params as unknown[] | undefined);
      return result.rows;
    };
    return {
      query: (text, params) => run(this.pool, text, params),
      transaction: async (work) => {
        const client = await this.pool.connect();
        const committed: Array<() => void> = [];
        let result;
        try {
          await client.query('BEGIN');
          result = await work({ query: (text, params) => run(client, text, params), afterCommit: (callback) => committed.push(callback) });
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw error;
        } finally {
          client.release();
        }
        for (const callback of committed) callback();
        return result;
      },
    };
  }

  async close(): Promise<void> {
    await this.pool.end();
    await this.onClose();
  }
}
