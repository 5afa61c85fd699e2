import { commandRequest } from '../../platform/command';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap';
import { isSelfOrAdmin } from '../../platform/auth/authorize';
import type { User, SignUp, LogIn } from './domain/user';
import type { AuthSession } from './accessToken';
import type { AccountsContext } from './subgraph';
import { findUser } from './queries/findUser';
import { signUp } from './commands/signUp';
import { logIn } from './commands/logIn';

/** Whoever proves a password in this request counts as that user for what its answer shows (their own email). */
function signedIn(ctx: AccountsContext, session: AuthSession): AuthSession {
  ctx.provenUserIds.add(session.user.id);
  return session;
}

export const resolvers: GraphQLResolverMap<AccountsContext> = {
  Query: {
    me: (_: unknown, _args: unknown, ctx: AccountsContext) => (ctx.viewer ? ctx.loaders.userById.load(ctx.viewer.userId) : null),
    user: (_: unknown, args: { id: string }, ctx: AccountsContext) => findUser(ctx.loaders, ctx.viewer, args.id),
  },
  Mutation: {
    signUp: async (_: unknown, args: { input: SignUp }, ctx: AccountsContext) => signedIn(ctx, await signUp(ctx, commandRequest(ctx, args.input))),
    logIn: async (_: unknown, args: { input: LogIn }, ctx: AccountsContext) => signedIn(ctx, await logIn(ctx, commandRequest(ctx, args.input))),
  },
  AuthPayload: {
    expiresAt: (session: AuthSession) => session.expiresAt.toISOString(),
  },
  User: {
    __resolveReference: (ref: { id: string }, ctx: AccountsContext) => ctx.loaders.userById.load(ref.id),
    email: (user: User, _args: unknown, ctx: AccountsContext) => (isSelfOrAdmin(ctx.viewer, user.id) || ctx.provenUserIds.has(user.id) ? user.email : null),
    createdAt: (user: User) => user.createdAt.toISOString(),
  },
};
