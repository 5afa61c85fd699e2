import { HeaderMap } from '@apollo/server';
import { GraphQLError, Kind, type ArgumentNode, type DocumentNode, type FieldNode, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import { ErrorCode } from '../../platform/errors';
import type { Budget, SharedStore } from '../../platform/sharedState/sharedStore';
import type { GatewayPlugin, GatewayRequest } from './gatewayPlugin';
import { DEFAULT_RATE_LIMITS, type RateLimits } from './rateLimitSettings';
import { measureSelections } from './operationLimits';

/** The mutations that check a password: their own, stricter budgets, by client address and by the email tried. */
const CREDENTIAL_FIELDS: ReadonlySet<string> = new Set(['logIn', 'signUp']);

export interface RateLimitOptions {
  /** Where budgets are counted: Redis (shared by every gateway instance) or this process's memory. */
  store: SharedStore;
  /** Budgets and proxy trust. Default `DEFAULT_RATE_LIMITS`. */
  limits?: Partial<RateLimits>;
}

/**
 * Per-client rate limits, counted in GraphQL operations on every transport
 * (an HTTP query or mutation, a graphql-ws or multipart subscription), before
 * planning, so nothing over budget runs:
 *
 * - every operation spends one point per root field (fragments inlined, so
 *   batching fields or aliases into one document buys nothing) from the
 *   caller's budget: the signed-in user's id, else the client's address
 *   (`X-Forwarded-For` only through `trustProxy` proxies), and with
 *   `perClientName` separately per `apollographql-client-name`;
 * - each `logIn` / `signUp` in the document, aliases included, spends one
 *   point from a stricter budget of the client's address and one from that
 *   of the email it tries, against password guessing.
 *
 * Over budget: `RATE_LIMITED` with HTTP 429 and an integer `Retry-After`
 * (seconds), an `error` message over graphql-ws. Budgets live in the shared
 * store, so gateway instances sharing Redis enforce one budget.
 */
export function rateLimitPlugin(options: RateLimitOptions): GatewayPlugin {
  const limits: RateLimits = { ...DEFAULT_RATE_LIMITS, ...options.limits };
  const operations = options.store.budget({ name: 'operations', points: limits.operations, durationSeconds: limits.windowSeconds });
  const byAddress = options.store.budget({ name: 'credentials-address', points: limits.credentials, durationSeconds: limits.credentialsWindowSeconds });
  const byEmail = options.store.budget({ name: 'credentials-email', points: limits.credentials, durationSeconds: limits.credentialsWindowSeconds });
  // Per document (the pipeline parses each text once) and operation: its root fields, counted once.
  const pointsOf = new WeakMap<DocumentNode, Map<OperationDefinitionNode, number>>();
  return {
    name: 'rateLimit',
    async onOperation(operation) {
      const { document, operation: definition } = operation;
      if (!document || !definition) return;
      const address = clientAddress(operation.request, limits.trustProxy);
      const caller = operation.request.viewer ? `user:${operation.request.viewer.userId}` : `address:${address}`;
      const clientName = limits.perClientName ? headerValue(operation.request, 'apollographql-client-name') : undefined;
      const key = clientName ? `client:${clientName}|${caller}` : caller;
      let perDocument = pointsOf.get(document);
      if (!perDocument) pointsOf.set(document, (perDocument = new Map()));
      let points = perDocument.get(definition);
      if (points === undefined) perDocument.set(definition, (points = Math.max(1, measureSelections(operationOnly(document, definition), 1).rootFields)));
      await spendOrRefuse(operations, key, points, `${limits.operations} operations (root fields) per ${limits.windowSeconds} s`, 'RATE_LIMIT_OPERATIONS');

      if (definition.operation !== 'mutation') return;
      const attempts = credentialAttempts(document, definition, operation.variables ?? {});
      if (!attempts.length) return;
      const budget = `${limits.credentials} sign-in attempts per ${limits.credentialsWindowSeconds} s`;
      await spendOrRefuse(byAddress, address, attempts.length, `${budget} from one address`, 'RATE_LIMIT_CREDENTIALS');
      const perEmail = new Map<string, number>();
      for (const email of attempts) if (email) perEmail.set(email, (perEmail.get(email) ?? 0) + 1);
      for (const [email, count] of perEmail) await spendOrRefuse(byEmail, email, count, `${budget} for one email`, 'RATE_LIMIT_CREDENTIALS');
    },
  };
}

async function spendOrRefuse(budget: Budget, key: string, points: number, what: string, setting: string): Promise<void> {
  const spent = await budget.spend(key, points);
  if (spent.allowed) return;
  const retryAfter = Math.max(1, Math.ceil(spent.retryAfterMs / 1000));
  throw new GraphQLError(`Rate limit exceeded: at most ${what} (${setting}). Retry after ${retryAfter} s.`, {
    extensions: {
      code: ErrorCode.RATE_LIMITED,
      retryAfterSeconds: retryAfter,
      http: { status: 429, headers: new HeaderMap([['retry-after', String(retryAfter)]]) },
    },
  });
}

/**
 * The client's address: the connection's peer, or with `trustProxy` proxies
 * in front the address that many hops back in `X-Forwarded-For` (each proxy
 * appends the address it received the request from, so only the last
 * `trustProxy` entries are trustworthy).
 */
export function clientAddress(request: GatewayRequest, trustProxy: number): string {
  const peer = request.remoteAddress ?? 'unknown';
  if (trustProxy <= 0) return peer;
  const forwarded = (headerValue(request, 'x-forwarded-for') ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  const chain = [...forwarded, peer];
  return chain[Math.max(0, chain.length - 1 - trustProxy)] ?? peer;
}

function headerValue(request: GatewayRequest, name: string): string | undefined {
  const value = request.headers[name];
  return (Array.isArray(value) ? value[0] : value) || undefined;
}

/** `document` with `definition` as its only operation (and every fragment), so counting sees the operation that runs. */
function operationOnly(document: DocumentNode, definition: OperationDefinitionNode): DocumentNode {
  return { ...document, definitions: document.definitions.filter((node) => node === definition || node.kind === Kind.FRAGMENT_DEFINITION) };
}

/** The email each `logIn`/`signUp` at the mutation's root tries (lower-cased; empty when it cannot be read), one entry per field. */
function credentialAttempts(document: DocumentNode, definition: OperationDefinitionNode, variables: Readonly<Record<string, unknown>>): string[] {
  const fragments = new Map(document.definitions.flatMap((node) => (node.kind === Kind.FRAGMENT_DEFINITION ? [[node.name.value, node] as const] : [])));
  const attempts: string[] = [];
  const visit = (set: SelectionSetNode, seen: ReadonlySet<string>) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        if (CREDENTIAL_FIELDS.has(selection.name.value)) attempts.push(emailOf(selection, variables));
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        visit(selection.selectionSet, seen);
      } else if (!seen.has(selection.name.value)) {
        const fragment = fragments.get(selection.name.value);
        if (fragment) visit(fragment.selectionSet, new Set([...seen, selection.name.value]));
      }
    }
  };
  visit(definition.selectionSet, new Set());
  return attempts;
}

function emailOf(field: FieldNode, variables: Readonly<Record<string, unknown>>): string {
  const input: ArgumentNode | undefined = field.arguments?.find((argument) => argument.name.value === 'input');
  if (!input) return '';
  let email: unknown;
  if (input.value.kind === Kind.VARIABLE) email = (variables[input.value.name.value] as { email?: unknown } | undefined)?.email;
  else if (input.value.kind === Kind.OBJECT) {
    const value = input.value.fields.find((entry) => entry.name.value === 'email')?.value;
    if (value?.kind === Kind.STRING) email = value.value;
    else if (value?.kind === Kind.VARIABLE) email = variables[value.name.value];
  }
  return typeof email === 'string' ? email.trim().toLowerCase() : '';
}
