import type { Viewer } from '../../../platform/auth/identity';
import { isSelfOrAdmin, requireSignedIn } from '../../../platform/auth/authorize';
import { badInput, forbidden } from '../../../platform/errors';
import { isUuid } from '../../../platform/ids';
import type { User } from '../domain/user';
import type { AccountLoaders } from '../loaders';

/**
 * One user by id, for the user themselves or an ADMIN: UNAUTHENTICATED when
 * anonymous, FORBIDDEN for anyone else, null when no user has the id. Access
 * is decided before the lookup, so a customer cannot probe which ids exist.
 */
export async function findUser(loaders: AccountLoaders, viewer: Viewer, id: string): Promise<User | null> {
  const identity = requireSignedIn(viewer);
  if (!isSelfOrAdmin(identity, id)) throw forbidden(`Only the user themselves or an ADMIN may read user "${id}"; you are a ${identity.role}.`);
  if (!isUuid(id)) throw badInput('id', `id must be a user id (UUID), got "${id}".`);
  return loaders.userById.load(id);
}
