-- The products reviews knows exist, kept from products' ProductCreated by the
-- reviews.catalog consumer (never written by commands); addReview refuses a
-- product id not in it (NOT_FOUND). created_at is the event's time.
create table reviews.known_products (
  product_id uuid primary key,
  created_at timestamptz(3) not null
);
