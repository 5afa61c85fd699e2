import { hashPassword, verifyPassword } from './passwordHash';

describe('password hashing', () => {
  it('given a hashed password, when the same password is checked, then it matches', async () => {
    const stored = await hashPassword('correct horse');
    expect(stored).toMatch(/^scrypt\$16384\$8\$1\$[\w-]{22}\$[\w-]{86}$/);
    expect(await verifyPassword('correct horse', stored)).toBe(true);
  });

  it('given a hashed password, when another password is checked, then it does not match', async () => {
    expect(await verifyPassword('wrong horse', await hashPassword('correct horse'))).toBe(false);
  });

  it('given the same password twice, when hashed, then the salts differ', async () => {
    expect(await hashPassword('same')).not.toBe(await hashPassword('same'));
  });

  it('given no stored hash (unknown account), when checked, then it runs and does not match', async () => {
    expect(await verifyPassword('anything', undefined)).toBe(false);
  });

  it.each(['', 'plain', 'scrypt$3$8$1$AAAA$AAAA', 'scrypt$16384$8$1$$', `scrypt$${2 ** 30}$8$1$AAAAAAAAAAAAAAAAAAAAAA$${'A'.repeat(86)}`])(
    'given a malformed stored hash %#, when checked, then it never matches',
    async (stored) => {
      expect(await verifyPassword('plain', stored)).toBe(false);
    },
  );

  it('given a hash made with other costs, when checked, then its own costs are used', async () => {
    const stored = await hashPassword('pw');
    const [, , , , salt] = stored.split('$');
    // Same salt and password under N = 1024: recomputed with the recorded costs, it verifies.
    const { scryptSync } = await import('node:crypto');
    const key = scryptSync('pw', Buffer.from(salt!, 'base64url'), 32, { N: 1024, r: 8, p: 1 });
    expect(await verifyPassword('pw', `scrypt$1024$8$1$${salt}$${key.toString('base64url')}`)).toBe(true);
  });
});
