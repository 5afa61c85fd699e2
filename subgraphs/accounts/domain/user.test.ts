import { badInputOf } from '../../../tests/support/domainErrors';
import { normaliseEmail, validateLogIn, validateSignUp } from './user';

const valid = { email: ' Carol@Example.COM ', name: '  Carol  ', password: 'carol-password' };

describe('normaliseEmail', () => {
  it('trims and lower-cases', () => {
    expect(normaliseEmail('  Bob@Example.Com ')).toBe('bob@example.com');
  });
});

describe('validateSignUp', () => {
  it('given a valid sign-up, when validated, then the email is lower case and the name trimmed', () => {
    expect(validateSignUp(valid)).toEqual({ email: 'carol@example.com', name: 'Carol', password: 'carol-password' });
  });

  it('given boundary lengths, when validated, then they are accepted', () => {
    const local = 'a'.repeat(254 - '@example.com'.length);
    expect(validateSignUp({ email: `${local}@example.com`, name: 'n'.repeat(100), password: 'p'.repeat(8) }).email).toHaveLength(254);
    expect(validateSignUp({ ...valid, name: 'N', password: 'p'.repeat(200) }).name).toBe('N');
  });

  it.each([
    [{ email: 'not-an-email' }, 'input.email'],
    [{ email: 'two@@example.com' }, 'input.email'],
    [{ email: 'space in@example.com' }, 'input.email'],
    [{ email: 'nodot@example' }, 'input.email'],
    [{ email: `${'a'.repeat(243)}@example.com` }, 'input.email'],
    [{ name: '   ' }, 'input.name'],
    [{ name: 'n'.repeat(101) }, 'input.name'],
    [{ password: 'short' }, 'input.password'],
    [{ password: 'p'.repeat(201) }, 'input.password'],
  ])('given %j, when validated, then it is rejected naming %s', (change, field) => {
    expect(badInputOf(() => validateSignUp({ ...valid, ...change })).field).toBe(field);
  });

  it('given a bad password, when rejected, then the message does not repeat it', () => {
    expect(badInputOf(() => validateSignUp({ ...valid, password: 'secret7' })).message).not.toContain('secret7');
  });
});

describe('validateLogIn', () => {
  it('given any-case credentials, when validated, then the email is normalised and the password kept as sent', () => {
    expect(validateLogIn({ email: 'ALICE@example.com', password: ' Pass ' })).toEqual({ email: 'alice@example.com', password: ' Pass ' });
  });

  it('given a short password, when validated, then it passes (only logIn can say it is wrong)', () => {
    expect(validateLogIn({ email: 'a@b.c', password: '' }).password).toBe('');
  });

  it.each([
    [{ email: `${'a'.repeat(255)}@example.com`, password: 'x' }, 'input.email'],
    [{ email: 'a@example.com', password: 'p'.repeat(201) }, 'input.password'],
  ])('given oversized %#, when validated, then it is rejected naming %s', (input, field) => {
    expect(badInputOf(() => validateLogIn(input)).field).toBe(field);
  });
});
