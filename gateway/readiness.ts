import type { RequestSigner } from '../platform/auth/gatewaySignature';

/** The state of each subgraph as seen from the gateway. */
export type SubgraphHealth = Record<string, 'up' | 'down'>;

/**
 * Asks every subgraph `{ __typename }` with a short timeout, signed as every
 * gateway request is (subgraphs answer nothing else). It uses only GraphQL,
 * so it works against any subgraph the supergraph names.
 */
export async function probeSubgraphs(urls: Record<string, string>, signRequest: RequestSigner, timeoutMs = 2000): Promise<SubgraphHealth> {
  const body = JSON.stringify({ query: '{ __typename }' });
  const entries = await Promise.all(
    Object.entries(urls).map(async ([name, url]) => {
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...signRequest({ method: 'POST', url, body, identity: undefined }) },
          body,
          signal: AbortSignal.timeout(timeoutMs),
        });
        return [name, response.ok ? 'up' : 'down'] as const;
      } catch {
        return [name, 'down'] as const;
      }
    }),
  );
  return Object.fromEntries(entries);
}
