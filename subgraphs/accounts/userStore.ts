import type { Sql, Transaction } from '../../platform/storage/database';
import type { Role } from '../../platform/auth/identity';
import { USER_COLUMNS, type UserRow } from './userRow';

/**
 * The write model of accounts: `accounts.users`. Callers append the events
 * in the same transaction.
 */

/**
 * Inserts a new user with its password hash; returns the row, or null when
 * the email is taken (the unique email constraint decides between racing sign-ups).
 */
export async function insertUser(
  tx: Transaction,
  user: { id: string; email: string; name: string; role: Role },
  passwordHash: string,
  now: Date,
): Promise<UserRow | null> {
  const [row] = await tx.query<UserRow>(
    `insert into accounts.users (id, email, name, role, password_hash, created_at)
     values ($1, $2, $3, $4, $5, $6)
     on conflict (email) do nothing
     returning ${USER_COLUMNS}`,
    [user.id, user.email, user.name, user.role, passwordHash, now],
  );
  return row ?? null;
}

/** The user with `email` (normalised) and its password hash, for `logIn` only; undefined when none has it. */
export async function findUserByEmailWithPasswordHash(sql: Sql, email: string): Promise<(UserRow & { password_hash: string }) | undefined> {
  const [row] = await sql.query<UserRow & { password_hash: string }>(`select ${USER_COLUMNS}, password_hash from accounts.users where email = $1`, [email]);
  return row;
}
