import { badInputOf, domainErrorOf } from '../../../tests/support/domainErrors';
import { ErrorCode } from '../../../platform/errors';
import { decide } from './decider';

const userId = '0b6f6a43-5d0e-4a8e-9d1c-2b1f3c4d5e6f';
const account = { email: ' Carol@Example.COM ', name: '  Carol  ', password: 'carol-password' };

describe('accounts decide', () => {
  it('given no user, when signing up, then UserSignedUp for a CUSTOMER with the normalised email and name, at version 1', () => {
    expect(decide({ type: 'SignUp', userId, account }, null)).toEqual([
      { type: 'UserSignedUp', aggregateId: userId, aggregateVersion: 1, data: { email: 'carol@example.com', name: 'Carol', role: 'CUSTOMER' } },
    ]);
  });

  it('given no user, when signing up, then neither the password nor anything derived from it is in the event', () => {
    const [event] = decide({ type: 'SignUp', userId, account }, null);
    expect(Object.keys(event!.data).sort()).toEqual(['email', 'name', 'role']);
    expect(JSON.stringify(event)).not.toContain(account.password);
  });

  it('given an invalid account, when signing up, then BAD_USER_INPUT names the field and nothing is decided', () => {
    expect(badInputOf(() => decide({ type: 'SignUp', userId, account: { ...account, password: 'short' } }, null)).field).toBe('input.password');
  });

  it('given a user with the id, when signing up with it, then CONFLICT', () => {
    expect(domainErrorOf(() => decide({ type: 'SignUp', userId, account }, { id: userId }), ErrorCode.CONFLICT).message).toContain(userId);
  });
});
