-- created_at is when the order was placed; pagination orders by (created_at, id).
create table orders.orders (
  id uuid primary key,
  customer_id uuid not null,
  status text not null check (status in ('PENDING', 'CONFIRMED', 'REJECTED', 'CANCELLED')),
  total_amount integer not null check (total_amount >= 0),
  currency text not null,
  created_at timestamptz(3) not null,
  updated_at timestamptz(3) not null
);
create index orders_customer_idx on orders.orders (customer_id, created_at desc, id desc);

create table orders.order_lines (
  order_id uuid not null references orders.orders (id),
  line_no integer not null check (line_no >= 0),
  product_id uuid not null,
  quantity integer not null check (quantity > 0),
  unit_price_amount integer not null check (unit_price_amount >= 0),
  currency text not null,
  primary key (order_id, line_no),
  unique (order_id, product_id)
);
