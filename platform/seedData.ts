import { stableId } from './ids';

/**
 * The deterministic demo data every subgraph seeds its own part of on an
 * empty database. Ids are derived from names, so the accounts, products,
 * inventory, orders and reviews seeds agree without reading each other's tables.
 */

export const SEED_EPOCH = new Date('2026-01-01T00:00:00.000Z');

function at(minutes: number): Date {
  return new Date(SEED_EPOCH.getTime() + minutes * 60_000);
}

export interface SeedUser {
  id: string;
  email: string;
  name: string;
  role: 'CUSTOMER' | 'ADMIN';
  /** Development password, documented in the README. */
  password: string;
  createdAt: Date;
}

export const SEED_USERS: readonly SeedUser[] = [
  { id: stableId('user:admin'), email: 'admin@example.com', name: 'Ada Admin', role: 'ADMIN', password: 'admin-password', createdAt: at(0) },
  { id: stableId('user:alice'), email: 'alice@example.com', name: 'Alice Customer', role: 'CUSTOMER', password: 'alice-password', createdAt: at(1) },
  { id: stableId('user:bob'), email: 'bob@example.com', name: 'Bob Customer', role: 'CUSTOMER', password: 'bob-password', createdAt: at(2) },
];

export interface SeedProduct {
  id: string;
  sku: string;
  name: string;
  description: string;
  priceAmount: number;
  currency: string;
  weightGrams: number;
  category: string;
  stock: number;
  createdAt: Date;
}

const CATALOG: Record<string, string[]> = {
  books: [
    'Field Guide to Birds',
    'Practical Cryptography',
    'The Bread Baker',
    'Maps of the Sea',
    'A Year of Soups',
    'Learning GraphQL',
    'Pocket Atlas',
    'Garden Almanac',
  ],
  electronics: [
    'USB-C Charger',
    'Noise-Cancelling Headphones',
    'Mechanical Keyboard',
    'Wireless Mouse',
    'E-Reader',
    'Portable Speaker',
    '4K Monitor',
    'Webcam',
  ],
  home: ['Cast Iron Pan', 'Linen Sheets', 'Ceramic Mug', 'Chef Knife', 'Wool Blanket', 'Desk Lamp', 'Tea Kettle', 'Cutting Board'],
  outdoors: ['Trail Tent', 'Down Sleeping Bag', 'Headlamp', 'Water Filter', 'Trekking Poles', 'Camp Stove', 'Daypack', 'Rain Jacket'],
  toys: ['Wooden Blocks', 'Kite', 'Puzzle 1000', 'Toy Train', 'Board Game', 'Yo-yo', 'Plush Bear', 'Marble Run'],
};

export const SEED_PRODUCTS: readonly SeedProduct[] = Object.entries(CATALOG).flatMap(([category, names], c) =>
  names.map((name, i) => {
    const n = c * 8 + i;
    return {
      id: stableId(`product:${n}`),
      sku: `${category.slice(0, 3).toUpperCase()}-${String(n + 1).padStart(4, '0')}`,
      name,
      description: `${name}: a demo ${category} item.`,
      priceAmount: 499 + ((n * 1_337) % 24_500),
      currency: 'USD',
      weightGrams: 50 + ((n * 211) % 4_000),
      category,
      // Every seventh product starts sold out, so `inStock: false` is visible.
      stock: n % 7 === 3 ? 0 : 5 + ((n * 13) % 60),
      createdAt: at(10 + n),
    };
  }),
);

export interface SeedReview {
  id: string;
  productId: string;
  authorId: string;
  rating: number;
  body: string;
  createdAt: Date;
}

const REVIEW_BODIES = ['Exactly as described.', 'Great value for the price.', 'Arrived quickly, works well.', 'Decent, but not perfect.', 'Would buy again.'];

// Reviews spread over the whole catalog; every fifth product has none, so empty summaries show too.
export const SEED_REVIEWS: readonly SeedReview[] = SEED_PRODUCTS.filter((_, n) => n % 5 !== 4).flatMap((product, n) =>
  [SEED_USERS[1]!, SEED_USERS[2]!]
    .filter((_, u) => (n + u) % 3 !== 2)
    .map((author, u) => ({
      id: stableId(`review:${n}:${u}`),
      productId: product.id,
      authorId: author.id,
      rating: 1 + ((n * 3 + u * 2) % 5),
      body: REVIEW_BODIES[(n + u) % REVIEW_BODIES.length]!,
      createdAt: at(100 + n * 2 + u),
    })),
);

export interface SeedOrder {
  id: string;
  customerId: string;
  status: 'PENDING' | 'CONFIRMED' | 'REJECTED' | 'CANCELLED';
  lines: Array<{ productId: string; quantity: number; unitPriceAmount: number; currency: string }>;
  placedAt: Date;
}

function line(productIndex: number, quantity: number): SeedOrder['lines'][number] {
  const product = SEED_PRODUCTS[productIndex]!;
  return { productId: product.id, quantity, unitPriceAmount: product.priceAmount, currency: product.currency };
}

export const SEED_ORDERS: readonly SeedOrder[] = [
  { id: stableId('order:0'), customerId: SEED_USERS[1]!.id, status: 'CONFIRMED', lines: [line(0, 1), line(9, 2)], placedAt: at(200) },
  { id: stableId('order:1'), customerId: SEED_USERS[1]!.id, status: 'CANCELLED', lines: [line(17, 1)], placedAt: at(201) },
  { id: stableId('order:2'), customerId: SEED_USERS[2]!.id, status: 'CONFIRMED', lines: [line(25, 1), line(33, 3), line(4, 1)], placedAt: at(202) },
];
