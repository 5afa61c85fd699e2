import type { NewEvent } from '../../../platform/events/outbox';
import { conflict } from '../../../platform/errors';
import { validateSignUp, type AccountsEvent, type SignUp, type UserState } from './user';
import { UnreachableCaseError } from '../../../platform/unreachableCaseError';

/** Create a CUSTOMER account with the id the handler chose. */
export interface SignUpCommand {
  type: 'SignUp';
  userId: string;
  account: SignUp;
}

/** Every command the accounts domain decides. (`logIn` changes no state, so it is not one.) */
export type AccountsCommand = SignUpCommand;

/**
 * Decides a command against the user's state and returns the events it
 * causes. Throws BAD_USER_INPUT for an invalid account (before any password is
 * hashed) and CONFLICT when the id is taken.
 */
export function decide(command: AccountsCommand, state: UserState): NewEvent<AccountsEvent>[] {
  switch (command.type) {
    case 'SignUp': {
      if (state) throw conflict(`A user with id "${command.userId}" already exists.`);
      const { email, name } = validateSignUp(command.account);
      return [{ type: 'UserSignedUp', aggregateId: command.userId, aggregateVersion: 1, data: { email, name, role: 'CUSTOMER' } }];
    }
    default:
      throw new UnreachableCaseError(command.type, 'accounts command');
  }
}
