import type { Role } from '../../platform/auth/identity';
import type { User } from './domain/user';

/** A row of `accounts.users` as the read paths select it: every column but `password_hash`. */
export interface UserRow {
  id: string;
  email: string;
  name: string;
  role: Role;
  created_at: Date;
}

/** The columns of `UserRow`, for `select` lists; the password hash is never among them. */
export const USER_COLUMNS = 'id, email, name, role, created_at';

export function toUser(row: UserRow): User {
  return { id: row.id, email: row.email, name: row.name, role: row.role, createdAt: row.created_at };
}
