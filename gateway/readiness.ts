/** The state of each subgraph as seen from the gateway. */
export type SubgraphHealth = Record<string, 'up' | 'down'>;

/**
 * Asks every subgraph `{ __typename }` with a short timeout. It uses only
 * GraphQL, so it works against any subgraph the supergraph names.
 */
export async function probeSubgraphs(urls: Record<string, string>, timeoutMs = 2000): Promise<SubgraphHealth> {
  const entries = await Promise.all(
    Object.entries(urls).map(async ([name, url]) => {
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: '{ __typename }' }),
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
