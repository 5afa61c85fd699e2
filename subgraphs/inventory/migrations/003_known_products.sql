-- The products inventory knows exist, kept from products' ProductCreated by the
-- inventory.catalog consumer (never written by commands); restock refuses a
-- product id not in it (NOT_FOUND). created_at is the event's time.
create table inventory.known_products (
  product_id uuid primary key,
  created_at timestamptz(3) not null
);
