import type { Database } from '../../../platform/storage/database';
import type { Clock } from '../../../platform/clock';
import { unauthenticated } from '../../../platform/errors';
import type { CommandRequest } from '../../../platform/command';
import { validateLogIn, type LogIn } from '../domain/user';
import { verifyPassword } from '../passwordHash';
import { issueAccessToken, type AuthSession, type JwtSettings } from '../accessToken';
import type { SigningKey } from '../signingKey';
import { toUser } from '../userRow';
import { findUserByEmailWithPasswordHash } from '../userStore';

/** One message for an unknown email and a wrong password, so neither reveals which accounts exist. */
export const INCORRECT_CREDENTIALS = 'Email or password is incorrect.';

/** Signs a user in with email and password; wrong credentials are UNAUTHENTICATED. */
export async function logIn(
  deps: { db: Database; clock: Clock; signingKey: SigningKey; jwt: JwtSettings },
  { input }: CommandRequest<LogIn>,
): Promise<AuthSession> {
  const credentials = validateLogIn(input);
  const row = await findUserByEmailWithPasswordHash(deps.db, credentials.email);
  // An unknown email still costs one scrypt run, so timing does not tell it from a wrong password.
  const matches = await verifyPassword(credentials.password, row?.password_hash);
  if (!row || !matches) throw unauthenticated(INCORRECT_CREDENTIALS);
  const user = toUser(row);
  return { ...(await issueAccessToken(deps.signingKey, deps.jwt, { userId: user.id, role: user.role }, deps.clock.now())), user };
}
