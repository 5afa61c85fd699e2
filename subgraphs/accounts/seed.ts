import type { Database, Sql } from '../../platform/storage/database';
import type { NewEvent, Outbox } from '../../platform/events/outbox';
import { SEED_USERS } from '../../platform/seedData';
import type { UserSignedUp } from './domain/user';
import { hashPassword } from './passwordHash';

/**
 * Loads the demo users, passwords hashed, into an empty users table, and
 * appends a `UserSignedUp` for each in the same transaction, so the event log
 * holds every user; does nothing when users exist.
 */
export async function seedUsers(db: Database, outbox: Outbox): Promise<void> {
  const isEmpty = async (sql: Sql) => Number((await sql.query<{ n: string }>('select count(*) as n from accounts.users'))[0]?.n ?? 0) === 0;
  if (!(await isEmpty(db))) return;
  // Hashed before the transaction opens: scrypt takes a while, and embedded mode shares one database session.
  const hashes = await Promise.all(SEED_USERS.map((user) => hashPassword(user.password)));
  await db.transaction(async (tx) => {
    if (!(await isEmpty(tx))) return;
    const events: NewEvent<UserSignedUp>[] = [];
    for (const [i, user] of SEED_USERS.entries()) {
      // `on conflict do nothing`: another instance starting at the same moment may have seeded first.
      const inserted = await tx.query(
        `insert into accounts.users (id, email, name, role, password_hash, created_at)
         values ($1, $2, $3, $4, $5, $6)
         on conflict do nothing
         returning id`,
        [user.id, user.email, user.name, user.role, hashes[i], user.createdAt],
      );
      // Only a row this transaction wrote gets an event; the other instance recorded its own.
      if (inserted.length) {
        events.push({
          type: 'UserSignedUp',
          aggregateId: user.id,
          aggregateVersion: 1,
          data: { email: user.email, name: user.name, role: user.role },
        });
      }
    }
    await outbox.append(tx, { correlationId: 'seed', causationId: null }, events);
  });
}
