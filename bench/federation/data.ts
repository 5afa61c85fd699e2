// The static data of the federation benchmark's four subgraphs, shared by
// the subgraphs (each reads only its own part) and by the reference answer.

/** accounts' users. `username` is also served by reviews (`@provides`), from the same rows. */
export interface BenchUser {
  id: string;
  name: string;
  username: string;
  birthday: number;
}

/** products' products; `price` and `weight` are what inventory `@requires`. */
export interface BenchProduct {
  upc: string;
  name: string;
  price: number;
  weight: number;
}

/** reviews' reviews: one author and one product each. */
export interface BenchReview {
  id: string;
  body: string;
  authorId: string;
  upc: string;
}

export const USERS: readonly BenchUser[] = [
  { id: '1', name: 'Ada Lovelace', username: '@ada', birthday: 1815 },
  { id: '2', name: 'Alan Turing', username: '@alan', birthday: 1912 },
  { id: '3', name: 'Grace Hopper', username: '@grace', birthday: 1906 },
  { id: '4', name: 'Edsger Dijkstra', username: '@edsger', birthday: 1930 },
  { id: '5', name: 'Barbara Liskov', username: '@barbara', birthday: 1939 },
];

export const PRODUCTS: readonly BenchProduct[] = [
  { upc: '1', name: 'Table', price: 899, weight: 100 },
  { upc: '2', name: 'Couch', price: 1299, weight: 1000 },
  { upc: '3', name: 'Chair', price: 54, weight: 50 },
  { upc: '4', name: 'Lamp', price: 39, weight: 8 },
  { upc: '5', name: 'Rug', price: 249, weight: 30 },
  // Not among `topProducts` (its default `first` is 5), and nobody reviewed it.
  { upc: '6', name: 'Bookshelf', price: 179, weight: 60 },
];

/** inventory's stock, by upc. */
export const IN_STOCK: Readonly<Record<string, boolean>> = { '1': true, '2': false, '3': true, '4': true, '5': false, '6': true };

const BODIES = [
  'Love it!',
  'Too expensive.',
  'Could be better.',
  'Prefer something else.',
  'Sturdy and well made, would buy again.',
  'Arrived late but works fine.',
  'Exactly as described.',
  'The colour is a little off.',
  'Five stars from the whole family.',
  'Assembly took an afternoon.',
];

/**
 * 20 reviews: each of the 5 users wrote 4, each of the first 5 products has
 * 4, spread so a user's reviews are of different products.
 */
export const REVIEWS: readonly BenchReview[] = Array.from({ length: 20 }, (_, i) => ({
  id: String(i + 1),
  body: BODIES[i % BODIES.length]!,
  authorId: USERS[i % 5]!.id,
  upc: PRODUCTS[(i + Math.floor(i / 5)) % 5]!.upc,
}));

/** inventory's `shippingEstimate`, from the `price` and `weight` it `@requires`: free above 1000, else half the weight. */
export function shippingEstimate(product: Pick<BenchProduct, 'price' | 'weight'>): number {
  return product.price > 1000 ? 0 : Math.round(product.weight / 2);
}

/** The default of products' `topProducts(first:)`. */
export const TOP_PRODUCTS_DEFAULT_FIRST = 5;

/** The operation every benchmark request sends: the standard federation benchmark's query. */
export const BENCH_QUERY = `query TestQuery {
  users {
    id
    username
    name
    reviews {
      id
      body
      product {
        inStock
        name
        price
        shippingEstimate
        upc
        weight
        reviews {
          body
          id
          author {
            id
            name
            username
            reviews {
              id
              body
              product {
                inStock
                name
                price
                shippingEstimate
                upc
                weight
              }
            }
          }
        }
      }
    }
  }
  topProducts {
    inStock
    name
    price
    shippingEstimate
    upc
    weight
    reviews {
      body
      id
      author {
        id
        name
        username
        reviews {
          id
          body
          product {
            inStock
            name
            price
            shippingEstimate
            upc
            weight
          }
        }
      }
    }
  }
}`;
