-- The write model records the version of each order's last event (1 after
-- OrderPlaced) and, for a REJECTED order, inventory's reason.
alter table orders.orders add column version integer not null default 1 check (version >= 1);
alter table orders.orders add column rejection_reason text;

-- Current unit prices, kept from products' ProductCreated and ProductPriceChanged
-- by the orders.catalog consumer; placeOrder prices lines from here.
-- version is the product's aggregate version of the event that set the price:
-- an older event delivered late never overwrites a newer price.
create table orders.product_prices (
  product_id uuid primary key,
  amount integer not null check (amount >= 0),
  currency text not null,
  version integer not null,
  updated_at timestamptz(3) not null
);

-- Read model of each customer's orders (projection orderHistory), kept from
-- orders' own events; User.orders reads only this. Times are the events'.
create table orders.order_history (
  order_id uuid primary key,
  customer_id uuid not null,
  status text not null check (status in ('PENDING', 'CONFIRMED', 'REJECTED', 'CANCELLED')),
  total_amount integer not null,
  currency text not null,
  line_count integer not null,
  rejection_reason text,
  version integer not null,
  placed_at timestamptz(3) not null,
  updated_at timestamptz(3) not null
);
create index order_history_customer_idx on orders.order_history (customer_id, placed_at desc, order_id desc);

-- The history under the column names keyset pagination orders by, (created_at, id).
create view orders.order_history_pages as
  select h.*, h.order_id as id, h.placed_at as created_at from orders.order_history h;

-- Units of each product in CONFIRMED orders not cancelled since (projection unitsSold).
create table orders.units_sold (
  product_id uuid primary key,
  units integer not null check (units >= 0)
);
