import fs from 'node:fs';
import { Kind, parse, print, visit, type ConstDirectiveNode, type DirectiveDefinitionNode } from 'graphql';
import { DEFAULT_SUPPORTED_SUPERGRAPH_FEATURES, Supergraph } from '@apollo/federation-internals';

/**
 * The `for: SECURITY` features the gateway enforces itself
 * (`gateway/plugins/authorization.ts`). `@apollo/gateway` refuses a
 * supergraph that links a security feature it does not know, so it gets the
 * SDL without them (`executionSdl`); any other security feature (e.g.
 * `@policy`) still makes the supergraph unloadable rather than unenforced.
 */
export const ENFORCED_SECURITY_FEATURES = ['https://specs.apollo.dev/authenticated', 'https://specs.apollo.dev/requiresScopes'] as const;

/** A composed supergraph read from a file: its SDL and each subgraph's routing URL. */
export interface LoadedSupergraph {
  /** The file's text, every directive included. */
  sdl: string;
  /** What `@apollo/gateway` plans over: `sdl` less the security features the gateway's own plugins enforce. */
  executionSdl: string;
  /** The supergraph built from `sdl`, once, for whoever plans over it or reads its directives. */
  supergraph: Supergraph;
  /** Subgraph name (as in `schema/supergraph.yaml`) to routing URL. */
  subgraphUrls: Record<string, string>;
}

/** Reads and validates a composed supergraph; throws naming the path when it is missing or not a supergraph. */
export function loadSupergraph(filePath: string): LoadedSupergraph {
  if (!fs.existsSync(filePath)) throw new Error(`No supergraph at ${filePath}: run \`npm run compose\` or set SUPERGRAPH_PATH.`);
  const sdl = fs.readFileSync(filePath, 'utf8');
  let supergraph: Supergraph;
  try {
    const versions = ['v0.1'];
    const supportedFeatures = new Set([
      ...DEFAULT_SUPPORTED_SUPERGRAPH_FEATURES,
      ...ENFORCED_SECURITY_FEATURES.flatMap((url) => versions.map((v) => `${url}/${v}`)),
    ]);
    supergraph = Supergraph.build(sdl, { supportedFeatures });
  } catch (error) {
    throw new Error(`${filePath} is not a valid composed supergraph: ${(error as Error).message}`);
  }
  const subgraphUrls: Record<string, string> = {};
  for (const { name, url } of supergraph.subgraphsMetadata()) subgraphUrls[name] = url;
  return { sdl, executionSdl: withoutEnforcedSecurity(sdl, supergraph), supergraph, subgraphUrls };
}

/** `sdl` without the `@link`s of the enforced security features, their directive definitions, applications and types. */
function withoutEnforcedSecurity(sdl: string, supergraph: Supergraph): string {
  const features = ENFORCED_SECURITY_FEATURES.map((url) => supergraph.schema.coreFeatures?.getByIdentity(url)).filter((f) => f !== undefined);
  if (!features.length) return sdl;
  const directives = new Set(features.map((feature) => feature.directiveNameInSchema(feature.url.name)));
  // A feature's own types are prefixed with its name in the schema (`requiresScopes__Scope`).
  const prefixes = features.map((feature) => `${feature.nameInSchema}__`);
  const linksEnforced = (node: ConstDirectiveNode) => {
    if (node.name.value !== 'link') return false;
    const url = node.arguments?.find((argument) => argument.name.value === 'url')?.value;
    return url?.kind === Kind.STRING && ENFORCED_SECURITY_FEATURES.some((identity) => url.value.startsWith(`${identity}/`));
  };
  const stripped = visit(parse(sdl), {
    Directive: (node) => (directives.has(node.name.value) || linksEnforced(node as ConstDirectiveNode) ? null : undefined),
    DirectiveDefinition: (node: DirectiveDefinitionNode) => (directives.has(node.name.value) ? null : undefined),
    ScalarTypeDefinition: (node) => (prefixes.some((prefix) => node.name.value.startsWith(prefix)) ? null : undefined),
  });
  return print(stripped);
}
