import type { Database } from '../../../platform/storage/database';
import type { Clock } from '../../../platform/clock';
import { conflict } from '../../../platform/errors';
import { newId } from '../../../platform/ids';
import { validateSignUp, type SignUp } from '../domain/user';
import { hashPassword } from '../passwordHash';
import { issueAccessToken, type AuthSession, type JwtSettings } from '../accessToken';
import type { SigningKey } from '../signingKey';
import { toUser, USER_COLUMNS, type UserRow } from '../userRow';

/** Creates a CUSTOMER account and signs it in. A taken email is a CONFLICT. */
export async function signUp(
  deps: { db: Database; clock: Clock; signingKey: SigningKey; jwt: JwtSettings },
  input: SignUp,
): Promise<AuthSession> {
  const account = validateSignUp(input);
  const passwordHash = await hashPassword(account.password);
  const now = deps.clock.now();
  // The unique email constraint decides between two sign-ups racing for one address; no check before the insert.
  const rows = await deps.db.query<UserRow>(
    `insert into accounts.users (id, email, name, role, password_hash, created_at)
     values ($1, $2, $3, 'CUSTOMER', $4, $5)
     on conflict (email) do nothing
     returning ${USER_COLUMNS}`,
    [newId(), account.email, account.name, passwordHash, now],
  );
  if (!rows[0]) throw conflict(`An account with email "${account.email}" already exists.`);
  const user = toUser(rows[0]);
  return { ...(await issueAccessToken(deps.signingKey, deps.jwt, { userId: user.id, role: user.role }, now)), user };
}
