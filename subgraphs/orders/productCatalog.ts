import { DomainError, ErrorCode } from '../../platform/errors';

/**
 * Where orders learns a product's current unit price. Orders may not read
 * the products schema, so this port stands between them: today its adapter
 * asks the products subgraph over HTTP; once product events exist, an
 * adapter over an orders-side price table can replace it unchanged.
 */
export interface ProductCatalog {
  /** Current unit prices by product id; a product the catalog does not know is absent from the map. */
  pricesOf(productIds: readonly string[]): Promise<Map<string, { amount: number; currency: string }>>;
}

/** How long the products subgraph has to answer, by default. */
export const CATALOG_TIMEOUT_MS = 5_000;

const PRICES_QUERY = 'query($r:[_Any!]!){ _entities(representations:$r){ ... on Product { id price { amount currency } } } }';

function unavailable(reason: string): DomainError {
  return new DomainError(ErrorCode.SERVICE_UNAVAILABLE, `The product catalog ${reason}, so prices are unknown and nothing was ordered. Try again later.`);
}

function isPricedProduct(value: unknown): value is { id: string; price: { amount: number; currency: string } } {
  const entity = value as { id?: unknown; price?: { amount?: unknown; currency?: unknown } | null } | null;
  return (
    typeof entity === 'object' &&
    entity !== null &&
    typeof entity.id === 'string' &&
    Number.isInteger(entity.price?.amount) &&
    typeof entity.price?.currency === 'string'
  );
}

/**
 * A `ProductCatalog` that asks the products subgraph at `productsUrl` for
 * all prices in ONE request through its federation entry point
 * (`_entities`), as the gateway itself would. A null entity is an unknown
 * product. When products cannot be reached, answers anything but a
 * well-formed result, or takes longer than `timeoutMs`, the call fails with
 * SERVICE_UNAVAILABLE; the message names no host, so it is safe for clients.
 */
export function subgraphProductCatalog(productsUrl: string, fetchImpl: typeof fetch = fetch, timeoutMs = CATALOG_TIMEOUT_MS): ProductCatalog {
  return {
    async pricesOf(productIds) {
      const ids = [...new Set(productIds)];
      const prices = new Map<string, { amount: number; currency: string }>();
      if (!ids.length) return prices;
      let body: { data?: { _entities?: unknown } | null; errors?: unknown[] };
      try {
        const response = await fetchImpl(productsUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify({ query: PRICES_QUERY, variables: { r: ids.map((id) => ({ __typename: 'Product', id })) } }),
          signal: AbortSignal.timeout(timeoutMs),
        });
        if (!response.ok) throw unavailable(`answered HTTP ${response.status}`);
        body = (await response.json()) as typeof body;
      } catch (error) {
        if (error instanceof DomainError) throw error;
        // AbortSignal.timeout aborts with a DOMException named TimeoutError, also while the body is read.
        if ((error as { name?: unknown } | null)?.name === 'TimeoutError') throw unavailable(`did not answer within ${timeoutMs} ms`);
        throw unavailable('could not be reached');
      }
      const entities = body?.data?._entities;
      // Any error makes the whole answer suspect: prices must be right, not partly right.
      if (body?.errors?.length || !Array.isArray(entities) || entities.length !== ids.length) {
        throw unavailable('answered with errors');
      }
      entities.forEach((entity: unknown, i) => {
        if (entity === null) return;
        if (!isPricedProduct(entity)) throw unavailable('answered with a malformed product');
        // Entities come back in the order of their representations.
        prices.set(ids[i]!, { amount: entity.price.amount, currency: entity.price.currency });
      });
      return prices;
    },
  };
}
