import type { Role } from '../../../platform/auth/identity';

/**
 * A new account exists. Its aggregate is the user (id), at version 1. The
 * password and its hash are never part of an event: events are published to
 * other domains and kept in the log for good.
 */
export interface UserSignedUp {
  type: 'UserSignedUp';
  data: {
    /** Lower case, as stored. */
    email: string;
    name: string;
    role: Role;
  };
}

/** Every event the accounts domain emits. */
export type AccountsEvent = UserSignedUp;
