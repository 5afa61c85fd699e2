/**
 * A subgraph's replicas: its routing URL (in the supergraph or
 * `<NAME>_URL`) may name several instances of one subgraph, separated by
 * commas (`http://a:4002/graphql,http://b:4002/graphql`). Blank entries are
 * dropped and duplicates kept once, in order.
 */
export function replicaUrls(value: string | readonly string[]): string[] {
  const parts = typeof value === 'string' ? value.split(',') : value.flatMap((each) => each.split(','));
  return [...new Set(parts.map((part) => part.trim()).filter((part) => part !== ''))];
}
