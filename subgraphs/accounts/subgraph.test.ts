import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLocalJWKSet, jwtVerify } from 'jose';
import type { Viewer } from '../../platform/auth/identity';
import { SEED_USERS } from '../../platform/seedData';
import type { DeliveredEvent } from '../../platform/events/event';
import type { LoggedEvent } from '../../platform/events/outbox';
import { startSubgraphUnderTest, type SubgraphUnderTest } from '../../tests/support/subgraphHarness';
import { testStorageKind } from '../../tests/support/testStorage';
import { jwksDocument } from './signingKey';
import { accountsDepsFromConfig, accountsSubgraph, type AccountsDeps } from './subgraph';

/** The accounts subgraph served in this process over real storage, called as the gateway would: sign-up, log-in, tokens, who may see what, and the events it records. */
describe(`accounts subgraph (${testStorageKind()})`, () => {
  const now = new Date('2026-03-01T12:00:00.000Z');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'accounts-test-'));
  let deps: AccountsDeps;
  let accounts: SubgraphUnderTest;
  const [admin, alice, bob] = SEED_USERS;
  const as = (user: (typeof SEED_USERS)[number]): Viewer => ({ userId: user.id, role: user.role });

  beforeAll(async () => {
    accounts = await startSubgraphUnderTest(
      'accounts',
      async (db, outbox, bus) => {
        deps = await accountsDepsFromConfig({ db, outbox, bus, clock: { now: () => now }, dataDir, jwt: { ttlSeconds: 600 } });
        return accountsSubgraph(deps);
      },
      { clock: { now: () => now } },
    );
  });
  afterAll(async () => {
    await accounts?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const run = (query: string, variables?: Record<string, unknown>, viewer?: Viewer) => accounts.run(query, variables, viewer);

  const logIn = 'mutation($input: LogInInput!) { logIn(input: $input) { token expiresAt user { id email name role createdAt } } }';
  const signUp = 'mutation($input: SignUpInput!) { signUp(input: $input) { token expiresAt user { id email name role } } }';

  /** Where the accounts event log ends now. */
  const logEnd = async () => Number((await accounts.db.query<{ p: string }>('select coalesce(max(position), 0) as p from accounts.outbox'))[0]!.p);
  /** The events appended after `position`, oldest first. */
  const eventsAfter = (position: number): Promise<LoggedEvent[]> => accounts.outbox.read(accounts.db, position, 1000);

  it('given the seed, when users count, then there are exactly the three seed users, with hashed passwords', async () => {
    const rows = await accounts.db.query<{ email: string; password_hash: string }>('select email, password_hash from accounts.users order by created_at');
    expect(rows.map((r) => r.email)).toEqual(SEED_USERS.map((u) => u.email));
    for (const [i, row] of rows.entries()) {
      expect(row.password_hash).toMatch(/^scrypt\$/);
      expect(row.password_hash).not.toContain(SEED_USERS[i]!.password);
    }
  });

  it('given the seed, when the log is read, then it holds one UserSignedUp per seed user, once although seeding ran twice, without passwords', async () => {
    const events = await eventsAfter(0);
    const seeded = events.filter((e) => e.correlationId === 'seed');
    const facts = seeded.map(({ type, aggregateId, aggregateVersion, causationId, data }) => ({ type, aggregateId, aggregateVersion, causationId, data }));
    expect(facts).toEqual(
      SEED_USERS.map((u) => ({
        type: 'UserSignedUp',
        aggregateId: u.id,
        aggregateVersion: 1,
        causationId: null,
        data: { email: u.email, name: u.name, role: u.role },
      })),
    );
    for (const user of SEED_USERS) expect(JSON.stringify(seeded)).not.toContain(user.password);
    expect(JSON.stringify(seeded)).not.toContain('scrypt$');
  });

  it('given a seeded user, when logging in with any-case email, then a token the JWKS verifies is returned', async () => {
    const { data, errors } = await run(logIn, { input: { email: 'ALICE@example.com', password: alice!.password } });
    expect(errors).toBeUndefined();
    expect(data.logIn.user).toEqual({ id: alice!.id, email: alice!.email, name: alice!.name, role: 'CUSTOMER', createdAt: alice!.createdAt.toISOString() });
    expect(data.logIn.expiresAt).toBe(new Date(now.getTime() + 600_000).toISOString());
    const { payload } = await jwtVerify(data.logIn.token, createLocalJWKSet(jwksDocument(deps.signingKey)), {
      issuer: 'commerce-accounts',
      audience: 'commerce-api',
      algorithms: ['ES256'],
      currentDate: now,
    });
    expect(payload).toMatchObject({ sub: alice!.id, role: 'CUSTOMER' });
  });

  it.each([
    ['a wrong password', alice!.email, 'wrong-password'],
    ['an unknown email', 'nobody@example.com', 'whatever-password'],
  ])('given %s, when logging in, then UNAUTHENTICATED with the one shared message', async (_case, email, password) => {
    const { errors } = await run(logIn, { input: { email, password } });
    expect(errors?.[0]).toMatchObject({ message: 'Email or password is incorrect.', extensions: { code: 'UNAUTHENTICATED' } });
  });

  it('given a new email, when signing up, then a CUSTOMER is created and signed in; the same email again is a CONFLICT', async () => {
    const first = await run(signUp, { input: { email: ' Dave@Example.com ', name: '  Dave ', password: 'dave-password' } });
    expect(first.errors).toBeUndefined();
    expect(first.data.signUp.user).toMatchObject({ email: 'dave@example.com', name: 'Dave', role: 'CUSTOMER' });
    const again = await run(signUp, { input: { email: 'DAVE@example.com', name: 'Other', password: 'other-password' } });
    expect(again.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const loggedIn = await run(logIn, { input: { email: 'dave@example.com', password: 'dave-password' } });
    expect(loggedIn.data.logIn.user.id).toBe(first.data.signUp.user.id);
  });

  it('given two sign-ups racing for one email, when both are sent at once, then exactly one succeeds and only it records an event', async () => {
    const input = { email: 'race@example.com', name: 'Race', password: 'race-password' };
    const before = await logEnd();
    const results = await Promise.all([run(signUp, { input }), run(signUp, { input })]);
    expect(results.filter((r) => !r.errors).length).toBe(1);
    expect(results.find((r) => r.errors)?.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const winner = results.find((r) => !r.errors)!.data.signUp.user.id;
    expect((await eventsAfter(before)).map((e) => [e.type, e.aggregateId])).toEqual([['UserSignedUp', winner]]);
  });

  describe('events', () => {
    it('given a request id, when signing up, then exactly one UserSignedUp is appended, correlated with it, carrying no password', async () => {
      const before = await logEnd();
      const input = { email: 'Frank@Example.com', name: ' Frank ', password: 'frank-password' };
      const { data, errors } = await accounts.run(signUp, { input }, null, { headers: { 'x-request-id': 'req-signup-frank' } });
      expect(errors).toBeUndefined();
      const events = await eventsAfter(before);
      expect(events).toEqual([
        {
          position: expect.any(Number),
          eventId: expect.stringMatching(/^[0-9a-f-]{36}$/),
          domain: 'accounts',
          type: 'UserSignedUp',
          aggregateId: data.signUp.user.id,
          aggregateVersion: 1,
          occurredAt: now.toISOString(),
          correlationId: 'req-signup-frank',
          causationId: null,
          data: { email: 'frank@example.com', name: 'Frank', role: 'CUSTOMER' },
        },
      ]);
      expect(JSON.stringify(events)).not.toContain('frank-password');
      expect(JSON.stringify(events)).not.toContain('scrypt$');
    });

    it('given no request id, when signing up, then the event is still correlated, with the id the subgraph made up', async () => {
      const before = await logEnd();
      expect((await run(signUp, { input: { email: 'gina@example.com', name: 'Gina', password: 'gina-password' } })).errors).toBeUndefined();
      const [event, ...more] = await eventsAfter(before);
      expect(more).toEqual([]);
      expect(event?.correlationId).toEqual(expect.stringMatching(/^\S{1,128}$/));
    });

    it.each([
      ['a taken email', { email: 'alice@example.com', name: 'Alice Again', password: 'alice-password2' }],
      ['an invalid password', { email: 'henry@example.com', name: 'Henry', password: 'short' }],
    ])('given %s, when signing up fails, then nothing is appended', async (_case, input) => {
      const before = await logEnd();
      expect((await run(signUp, { input })).errors).toHaveLength(1);
      expect(await eventsAfter(before)).toEqual([]);
    });

    it('given a log-in, when it succeeds, then nothing is appended: it changes no state', async () => {
      const before = await logEnd();
      expect((await run(logIn, { input: { email: bob!.email, password: bob!.password } })).errors).toBeUndefined();
      expect(await eventsAfter(before)).toEqual([]);
    });

    it('given appended events, when the relay drains, then the bus delivers each of them as logged and every row is marked sent', async () => {
      const received: DeliveredEvent[] = [];
      const subscription = await accounts.bus.subscribe({ consumer: 'accounts-test-observer', domain: 'accounts' }, async (event) => {
        received.push(event);
      });
      try {
        const ivy = await run(signUp, { input: { email: 'ivy@example.com', name: 'Ivy', password: 'ivy-password' } });
        expect(ivy.errors).toBeUndefined();
        await accounts.subgraph.drainOutbox();
        const logged = await eventsAfter(0);
        expect(logged.map((e) => e.aggregateId)).toContain(ivy.data.signUp.user.id);
        await waitFor(() => received.length >= logged.length);
        expect(received.map(({ sequence: _sequence, ...event }) => event)).toEqual(logged.map(({ position: _position, ...event }) => event));
        expect(await accounts.db.query('select position from accounts.outbox where published_at is null')).toEqual([]);
      } finally {
        await subscription.stop();
      }
    });
  });

  it.each([
    [{ email: 'not-an-email' }, 'input.email'],
    [{ name: ' ' }, 'input.name'],
    [{ password: 'short' }, 'input.password'],
  ])('given %j, when signing up, then BAD_USER_INPUT names %s', async (change, field) => {
    const { errors } = await run(signUp, { input: { email: 'eve@example.com', name: 'Eve', password: 'eve-password', ...change } });
    expect(errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field });
  });

  describe('reading users', () => {
    const user = 'query($id: ID!) { user(id: $id) { id name email role } }';

    it('given no caller, when asking for me, then null; for a user, then UNAUTHENTICATED', async () => {
      expect((await run('{ me { id } }')).data.me).toBeNull();
      expect((await run(user, { id: alice!.id })).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    });

    it('given a customer, when reading themselves, then everything including the email', async () => {
      expect((await run('{ me { id email } }', {}, as(alice!))).data.me).toEqual({ id: alice!.id, email: alice!.email });
      expect((await run(user, { id: alice!.id }, as(alice!))).data.user.email).toBe(alice!.email);
    });

    it('given a customer, when reading another user, then FORBIDDEN', async () => {
      const { data, errors } = await run(user, { id: bob!.id }, as(alice!));
      expect(errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(data?.user).toBeNull();
    });

    it('given an admin, when reading any user, then it is answered; an unknown id is null and a malformed one BAD_USER_INPUT', async () => {
      expect((await run(user, { id: bob!.id }, as(admin!))).data.user).toEqual({ id: bob!.id, name: bob!.name, email: bob!.email, role: 'CUSTOMER' });
      expect((await run(user, { id: '00000000-0000-4000-8000-000000000000' }, as(admin!))).data.user).toBeNull();
      expect((await run(user, { id: 'garbage' }, as(admin!))).errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'id' });
    });

    it('given user references, when resolved as entities, then one statement answers them all and emails show only to self or admin', async () => {
      const query = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id name email } } }';
      const r = [...SEED_USERS.map((u) => ({ __typename: 'User', id: u.id })), { __typename: 'User', id: 'bad' }];
      const { result: asBob, statements } = await accounts.counting(() => run(query, { r }, as(bob!)));
      expect(asBob.data._entities.map((u: any) => u?.email ?? null)).toEqual([null, null, bob!.email, null]);
      expect(statements).toHaveLength(1);
      const asAdmin = await run(query, { r }, as(admin!));
      expect(asAdmin.data._entities.map((u: any) => u?.email ?? null)).toEqual([...SEED_USERS.map((u) => u.email), null]);
      const anonymous = await run(query, { r });
      expect(anonymous.data._entities.map((u: any) => u?.email ?? null)).toEqual([null, null, null, null]);
    });
  });
});

/** Resolves once `condition` holds; fails after `timeoutMs`. */
async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Condition not met within ${timeoutMs} ms.`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
