import { badInput } from '../../../platform/errors';
import type { Role } from '../../../platform/auth/identity';
import type { NewEvent } from '../../../platform/events/outbox';

/** A user as the accounts subgraph exposes it; the password hash never leaves storage. */
export interface User {
  id: string;
  email: string;
  name: string;
  role: Role;
  createdAt: Date;
}

/** Fields of a new account, as a client sends them. */
export interface SignUp {
  email: string;
  name: string;
  password: string;
}

/** Credentials, as a client sends them to `logIn`. */
export interface LogIn {
  email: string;
  password: string;
}

/** The longest email accepted: the longest path RFC 5321 allows. */
export const MAX_EMAIL_LENGTH = 254;
export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 200;
export const MAX_NAME_LENGTH = 100;

// A shape check, not RFC 5322: one @, no spaces, a dot in the domain. Ownership is what really proves an address.
const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;

/** Emails compare case-insensitively: they are trimmed and lower-cased before they are stored or looked up. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Checks a sign-up and returns it normalised (email lower case, name trimmed). Messages never repeat the password. */
export function validateSignUp(input: SignUp): SignUp {
  const email = normaliseEmail(input.email);
  if (email.length > MAX_EMAIL_LENGTH) {
    throw badInput('input.email', `Email must be at most ${MAX_EMAIL_LENGTH} characters, got ${email.length}.`);
  }
  if (!EMAIL.test(email)) throw badInput('input.email', `Email must look like name@example.com, got "${input.email}".`);
  const name = input.name.trim();
  if (name.length < 1 || name.length > MAX_NAME_LENGTH) {
    throw badInput('input.name', `Name must be 1 to ${MAX_NAME_LENGTH} characters after trimming, got ${name.length}.`);
  }
  if (input.password.length < MIN_PASSWORD_LENGTH || input.password.length > MAX_PASSWORD_LENGTH) {
    throw badInput('input.password', `Password must be ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters, got ${input.password.length}.`);
  }
  return { email, name, password: input.password };
}

/**
 * Checks credentials only for size, so no oversized value reaches scrypt;
 * anything else wrong with them is answered by `logIn` as incorrect
 * credentials, which says nothing about whether the account exists.
 */
export function validateLogIn(input: LogIn): LogIn {
  const email = normaliseEmail(input.email);
  if (email.length > MAX_EMAIL_LENGTH) {
    throw badInput('input.email', `Email must be at most ${MAX_EMAIL_LENGTH} characters, got ${email.length}.`);
  }
  if (input.password.length > MAX_PASSWORD_LENGTH) {
    throw badInput('input.password', `Password must be at most ${MAX_PASSWORD_LENGTH} characters, got ${input.password.length}.`);
  }
  return { email, password: input.password };
}

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

/**
 * What the user with the command's id has to say about it: null when no user
 * has that id. Whether the email is taken is not part of it: the unique email
 * constraint decides that when the row is written, so two racing sign-ups
 * need no read before the insert.
 */
export type UserState = Pick<User, 'id'> | null;

/** The user's state after `event`: a signed-up user exists under its aggregate id. */
export function evolve(_state: UserState, event: NewEvent<AccountsEvent>): UserState {
  return { id: event.aggregateId };
}
