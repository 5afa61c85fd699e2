import type { Role } from './identity';

/**
 * The OAuth scopes an access token grants, by the role of the user it names:
 * the accounts subgraph writes them into the token's `scope` claim
 * (space-separated) and the gateway checks them against the supergraph's
 * `@requiresScopes`. Each scope names what it allows; a CUSTOMER needs none,
 * since everything a customer may do is `@authenticated` only.
 */
export const SCOPES_BY_ROLE: Readonly<Record<Role, readonly string[]>> = {
  CUSTOMER: [],
  ADMIN: [
    // createProduct, updateProductPrice
    'catalog:write',
    // restock
    'inventory:write',
    // rebuildOrdersReadModel, rebuildReviewsReadModel
    'read-models:rebuild',
  ],
};

/** The scopes of a `scope` claim: space-separated, OAuth style (RFC 8693 §4.2); none when absent. */
export function parseScopeClaim(claim: string | undefined): string[] {
  return claim ? claim.split(/\s+/).filter(Boolean) : [];
}
