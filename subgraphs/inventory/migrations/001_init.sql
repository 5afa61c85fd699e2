create table inventory.stock (
  product_id uuid primary key,
  quantity integer not null check (quantity >= 0),
  updated_at timestamptz(3) not null
);
