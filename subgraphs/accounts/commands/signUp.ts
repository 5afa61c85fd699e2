import type { Database } from '../../../platform/storage/database';
import type { Clock } from '../../../platform/clock';
import type { Outbox } from '../../../platform/events/outbox';
import { conflict } from '../../../platform/errors';
import { newId } from '../../../platform/ids';
import type { SignUp } from '../domain/user';
import { decide } from '../domain/userDecider';
import { hashPassword } from '../passwordHash';
import { issueAccessToken, type AuthSession, type JwtSettings } from '../accessToken';
import type { SigningKey } from '../signingKey';
import { toUser, USER_COLUMNS, type UserRow } from '../userRow';

/**
 * Creates a CUSTOMER account and signs it in; the user row and its
 * `UserSignedUp` event commit in one transaction. A taken email is a CONFLICT
 * and records nothing.
 */
export async function signUp(
  deps: { db: Database; outbox: Outbox; clock: Clock; signingKey: SigningKey; jwt: JwtSettings; requestId: string },
  input: SignUp,
): Promise<AuthSession> {
  // A fresh id names no user yet, so the state is null; the unique email constraint decides between racing sign-ups.
  const events = decide({ type: 'SignUp', userId: newId(), account: input }, null);
  const signedUp = events[0]!;
  // Hashed before the transaction opens: scrypt takes a while, and embedded mode shares one database session.
  const passwordHash = await hashPassword(input.password);
  const now = deps.clock.now();
  const user = await deps.db.transaction(async (tx) => {
    const rows = await tx.query<UserRow>(
      `insert into accounts.users (id, email, name, role, password_hash, created_at)
       values ($1, $2, $3, $4, $5, $6)
       on conflict (email) do nothing
       returning ${USER_COLUMNS}`,
      [signedUp.aggregateId, signedUp.data.email, signedUp.data.name, signedUp.data.role, passwordHash, now],
    );
    if (!rows[0]) throw conflict(`An account with email "${signedUp.data.email}" already exists.`);
    await deps.outbox.append(tx, { correlationId: deps.requestId, causationId: null }, events);
    return toUser(rows[0]);
  });
  return { ...(await issueAccessToken(deps.signingKey, deps.jwt, { userId: user.id, role: user.role }, now)), user };
}
