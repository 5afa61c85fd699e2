import { ErrorCode } from '../../../platform/errors';
import type { NewEvent } from '../../../platform/events/outbox';
import { deciderSpec } from '../../../tests/support/deciderSpec';
import { evolve, type AccountsEvent, type UserState } from './user';
import { decide, type AccountsCommand } from './userDecider';

const userId = '0b6f6a43-5d0e-4a8e-9d1c-2b1f3c4d5e6f';
const account = { email: ' Carol@Example.COM ', name: '  Carol  ', password: 'carol-password' };

const { given } = deciderSpec<AccountsCommand, NewEvent<AccountsEvent>, UserState>(decide, evolve, null);
const signedUp: NewEvent<AccountsEvent> = {
  type: 'UserSignedUp',
  aggregateId: userId,
  aggregateVersion: 1,
  data: { email: 'carol@example.com', name: 'Carol', role: 'CUSTOMER' },
};

describe('accounts decide', () => {
  it('given no user, when signing up, then UserSignedUp for a CUSTOMER with the normalised email and name, at version 1', () => {
    given()
      .when({ type: 'SignUp', userId, account })
      .then([{ type: 'UserSignedUp', aggregateId: userId, aggregateVersion: 1, data: { email: 'carol@example.com', name: 'Carol', role: 'CUSTOMER' } }]);
  });

  it('given no user, when signing up, then neither the password nor anything derived from it is in the event', () => {
    const [event] = given().when({ type: 'SignUp', userId, account }).events();
    expect(Object.keys(event!.data).sort()).toEqual(['email', 'name', 'role']);
    expect(JSON.stringify(event)).not.toContain(account.password);
  });

  it('given an invalid account, when signing up, then BAD_USER_INPUT names the field and nothing is decided', () => {
    expect(
      given()
        .when({ type: 'SignUp', userId, account: { ...account, password: 'short' } })
        .then(ErrorCode.BAD_USER_INPUT).field,
    ).toBe('input.password');
  });

  it('given a user with the id, when signing up with it, then CONFLICT', () => {
    expect(given(signedUp).when({ type: 'SignUp', userId, account }).then(ErrorCode.CONFLICT).message).toContain(userId);
  });
});
