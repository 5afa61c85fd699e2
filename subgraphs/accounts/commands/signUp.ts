import type { Database } from '../../../platform/storage/database';
import type { Clock } from '../../../platform/clock';
import type { Outbox } from '../../../platform/events/outbox';
import type { CommandRequest } from '../../../platform/command';
import { conflict } from '../../../platform/errors';
import { newId } from '../../../platform/ids';
import type { SignUp } from '../domain/user';
import { decide } from '../domain/userDecider';
import { hashPassword } from '../passwordHash';
import { issueAccessToken, type AuthSession, type JwtSettings } from '../accessToken';
import type { SigningKey } from '../signingKey';
import { toUser } from '../userRow';
import { insertUser } from '../userStore';

/**
 * Creates a CUSTOMER account and signs it in; the user row and its
 * `UserSignedUp` event commit in one transaction. A taken email is a CONFLICT
 * and records nothing.
 */
export async function signUp(
  deps: { db: Database; outbox: Outbox; clock: Clock; signingKey: SigningKey; jwt: JwtSettings },
  { input, cause }: CommandRequest<SignUp>,
): Promise<AuthSession> {
  // A fresh id names no user yet, so the state is null; the unique email constraint decides between racing sign-ups.
  const events = decide({ type: 'SignUp', userId: newId(), account: input }, null);
  const signedUp = events[0]!;
  // Hashed before the transaction opens: scrypt takes a while, and embedded mode shares one database session.
  const passwordHash = await hashPassword(input.password);
  const now = deps.clock.now();
  const user = await deps.db.transaction(async (tx) => {
    const row = await insertUser(tx, { id: signedUp.aggregateId, ...signedUp.data }, passwordHash, now);
    if (!row) throw conflict(`An account with email "${signedUp.data.email}" already exists.`);
    await deps.outbox.append(tx, cause, events);
    return toUser(row);
  });
  return { ...(await issueAccessToken(deps.signingKey, deps.jwt, { userId: user.id, role: user.role }, now)), user };
}
