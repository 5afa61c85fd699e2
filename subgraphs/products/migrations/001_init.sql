create table products.products (
  id uuid primary key,
  sku text not null unique,
  name text not null,
  description text not null default '',
  price_amount integer not null check (price_amount > 0),
  currency text not null,
  weight_grams integer not null check (weight_grams > 0),
  category text not null,
  created_at timestamptz(3) not null,
  updated_at timestamptz(3) not null
);
create index products_category_idx on products.products (category, created_at desc, id desc);
create index products_created_idx on products.products (created_at desc, id desc);
