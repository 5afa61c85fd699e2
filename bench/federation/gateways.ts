import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../platform/build/projectRoot';

/** The gateways the federation benchmark compares. */
export const GATEWAY_NAMES = ['ours', 'ours-nodedup', 'apollo', 'hive'] as const;
export type GatewayName = (typeof GATEWAY_NAMES)[number];

/** How to start one gateway as a process serving `supergraphPath` on `port`. */
export interface GatewayLaunch {
  name: GatewayName;
  /** How the report names it, version included. */
  label: string;
  /** node's arguments: flags, script, its arguments. */
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
}

const root = projectRoot(__dirname);
/**
 * The peer gateways' own package (bench/peers/package.json), no dependency
 * of the product. Apart from bench/'s TypeScript on purpose: a
 * node_modules above it would shadow the product's graphql and undici for
 * tsc and jest.
 */
export const PEERS_DIR = path.join(root, 'bench', 'peers');

function versionOf(packageDir: string): string {
  return (JSON.parse(fs.readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * The peer gateways `names` needs that are not installed in bench/peers/node_modules,
 * as a message telling how to install them, or null when all are there.
 */
export function missingPeers(names: readonly GatewayName[]): string | null {
  const needed = { apollo: ['@apollo/gateway', '@apollo/server'], hive: ['@graphql-hive/gateway'], ours: [], 'ours-nodedup': [] } satisfies Record<
    GatewayName,
    string[]
  >;
  const missing = names.flatMap((name) => needed[name]).filter((pkg) => !fs.existsSync(path.join(PEERS_DIR, 'node_modules', pkg, 'package.json')));
  return missing.length
    ? `The federation benchmark runs peer gateways that are not installed (${missing.join(', ')}): run \`npm run bench:install\` (npm install --prefix bench/peers) first.`
    : null;
}

/**
 * Each gateway as a user would run it in production (NODE_ENV=production,
 * set by the caller) on `supergraphPath`:
 * - ours: `startGateway` from the product's build (`dist/`), see ourGateway.ts;
 * - ours-nodedup: the same with `SUBGRAPH_DEDUP=false`, to show what the transport and executor do without sharing identical fetches;
 * - apollo: plain `@apollo/gateway` in `@apollo/server`'s standalone server, every option its default;
 * - hive: `hive-gateway supergraph <file> --jit`, every other option its default.
 * `nodeFlags` go to every one (e.g. `--cpu-prof`).
 */
export function gatewayLaunch(name: GatewayName, supergraphPath: string, port: number, nodeFlags: readonly string[] = []): GatewayLaunch {
  switch (name) {
    case 'ours':
    case 'ours-nodedup':
      return {
        name,
        label: `ours (${versionOf(root)}, @apollo/gateway ${versionOf(path.join(root, 'node_modules', '@apollo', 'gateway'))} inside)${name === 'ours-nodedup' ? ', SUBGRAPH_DEDUP=false' : ''}`,
        args: [...nodeFlags, path.join(root, 'dist', 'bench', 'federation', 'ourGatewayMain.js')],
        env: { SUPERGRAPH_PATH: supergraphPath, PORT: String(port), SUBGRAPH_DEDUP: name === 'ours-nodedup' ? 'false' : 'true' },
        cwd: root,
      };
    case 'apollo':
      return {
        name,
        label: `@apollo/gateway ${versionOf(path.join(PEERS_DIR, 'node_modules', '@apollo', 'gateway'))}`,
        args: [...nodeFlags, path.join(PEERS_DIR, 'apolloGateway.mjs')],
        env: { SUPERGRAPH_PATH: supergraphPath, PORT: String(port) },
        cwd: PEERS_DIR,
      };
    case 'hive': {
      const hive = path.join(PEERS_DIR, 'node_modules', '@graphql-hive', 'gateway');
      return {
        name,
        label: `Hive Gateway ${versionOf(hive)} --jit`,
        args: [...nodeFlags, path.join(hive, 'dist', 'bin.js'), 'supergraph', supergraphPath, '--jit', '--host', '127.0.0.1', '--port', String(port)],
        env: {},
        // Where no gateway.config.* is, so only the flags above and its defaults apply.
        cwd: path.dirname(supergraphPath),
      };
    }
  }
}
