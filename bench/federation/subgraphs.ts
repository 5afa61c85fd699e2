import { parse, type GraphQLSchema } from 'graphql';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap';
import { IN_STOCK, PRODUCTS, REVIEWS, TOP_PRODUCTS_DEFAULT_FIRST, USERS, shippingEstimate } from './data';

// The four subgraphs of the standard federation benchmark (as in Apollo's
// federation demo and the Guild's gateway benchmark): static data, no
// database, no authentication. Each runs in its own process (subgraphMain.ts).

/** One benchmark subgraph: its name in the supergraph, its SDL and its resolvers. */
export interface BenchSubgraph {
  name: BenchSubgraphName;
  typeDefs: string;
  resolvers: GraphQLResolverMap<unknown>;
}

export const BENCH_SUBGRAPH_NAMES = ['accounts', 'products', 'inventory', 'reviews'] as const;
export type BenchSubgraphName = (typeof BENCH_SUBGRAPH_NAMES)[number];

const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3"';

const accounts: BenchSubgraph = {
  name: 'accounts',
  typeDefs: `${LINK}, import: ["@key", "@shareable"])
    type Query { me: User users: [User] user(id: ID!): User }
    type User @key(fields: "id") { id: ID! name: String username: String @shareable birthday: Int }`,
  resolvers: {
    Query: {
      me: () => USERS[0],
      users: () => USERS,
      user: (_: unknown, { id }: { id: string }) => USERS.find((u) => u.id === id) ?? null,
    },
    User: { __resolveReference: ({ id }: { id: string }) => USERS.find((u) => u.id === id) ?? null },
  },
};

const products: BenchSubgraph = {
  name: 'products',
  typeDefs: `${LINK}, import: ["@key"])
    type Query { topProducts(first: Int = ${TOP_PRODUCTS_DEFAULT_FIRST}): [Product] }
    type Product @key(fields: "upc") { upc: String! name: String price: Int weight: Int }`,
  resolvers: {
    Query: { topProducts: (_: unknown, { first }: { first: number }) => PRODUCTS.slice(0, first) },
    Product: { __resolveReference: ({ upc }: { upc: string }) => PRODUCTS.find((p) => p.upc === upc) ?? null },
  },
};

const inventory: BenchSubgraph = {
  name: 'inventory',
  typeDefs: `${LINK}, import: ["@key", "@external", "@requires"])
    type Product @key(fields: "upc") {
      upc: String!
      weight: Int @external
      price: Int @external
      inStock: Boolean
      shippingEstimate: Int @requires(fields: "price weight")
    }`,
  resolvers: {
    Product: {
      // The representation carries `price` and `weight` when `shippingEstimate` was asked for (`@requires`).
      __resolveReference: (reference: { upc: string; price?: number; weight?: number }) => ({ ...reference, inStock: IN_STOCK[reference.upc] ?? null }),
      shippingEstimate: (product: { price?: number; weight?: number }) =>
        product.price === undefined || product.weight === undefined ? null : shippingEstimate({ price: product.price, weight: product.weight }),
    },
  },
};

const reviews: BenchSubgraph = {
  name: 'reviews',
  typeDefs: `${LINK}, import: ["@key", "@external", "@provides"])
    type Review @key(fields: "id") { id: ID! body: String author: User @provides(fields: "username") product: Product }
    type User @key(fields: "id") { id: ID! username: String @external reviews: [Review] }
    type Product @key(fields: "upc") { upc: String! reviews: [Review] }`,
  resolvers: {
    Review: {
      // `@provides(fields: "username")`: reviews answers the author's username itself (the same static rows accounts serves).
      author: (review: { authorId: string }) => ({ __typename: 'User', id: review.authorId, username: USERS.find((u) => u.id === review.authorId)?.username }),
      product: (review: { upc: string }) => ({ __typename: 'Product', upc: review.upc }),
    },
    User: {
      __resolveReference: ({ id }: { id: string }) => ({ id }),
      reviews: (user: { id: string }) => REVIEWS.filter((r) => r.authorId === user.id),
    },
    Product: {
      __resolveReference: ({ upc }: { upc: string }) => ({ upc }),
      reviews: (product: { upc: string }) => REVIEWS.filter((r) => r.upc === product.upc),
    },
  },
};

export const BENCH_SUBGRAPHS: Readonly<Record<BenchSubgraphName, BenchSubgraph>> = { accounts, products, inventory, reviews };

/** The executable schema of one benchmark subgraph. */
export function benchSubgraphSchema(name: BenchSubgraphName): GraphQLSchema {
  const { typeDefs, resolvers } = BENCH_SUBGRAPHS[name];
  return buildSubgraphSchema({ typeDefs: parse(typeDefs), resolvers });
}
