/** The roles a user can have; ADMIN may manage the catalog and see every order. */
export type Role = 'CUSTOMER' | 'ADMIN';

export const ROLES: readonly Role[] = ['CUSTOMER', 'ADMIN'];

/** Who is calling, as established by the gateway from a verified token. */
export interface Identity {
  userId: string;
  role: Role;
}

/** The caller of a request: an identity, or null for an anonymous caller. */
export type Viewer = Identity | null;

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}
