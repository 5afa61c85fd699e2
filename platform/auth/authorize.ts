import { forbidden, unauthenticated } from '../errors';
import type { Identity, Viewer } from './identity';

/** The caller's identity, or UNAUTHENTICATED when anonymous. */
export function requireSignedIn(viewer: Viewer): Identity {
  if (!viewer) throw unauthenticated();
  return viewer;
}

/** The caller's identity when it is an ADMIN; UNAUTHENTICATED when anonymous, FORBIDDEN otherwise. */
export function requireAdmin(viewer: Viewer, action: string): Identity {
  const identity = requireSignedIn(viewer);
  if (identity.role !== 'ADMIN') throw forbidden(`Only an ADMIN may ${action}; you are a ${identity.role}.`);
  return identity;
}

/** True when the caller is `userId` or an ADMIN. */
export function isSelfOrAdmin(viewer: Viewer, userId: string): boolean {
  return viewer !== null && (viewer.role === 'ADMIN' || viewer.userId === userId);
}
