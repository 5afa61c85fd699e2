-- The stock row's version: how many restocks (StockRestocked events, the
-- product's stock aggregate) it has had. Reservations change quantity, not
-- version: they are events of the order, not of the product.
alter table inventory.stock add column version integer not null default 0 check (version >= 0);

-- Units held for orders (the inventory side of the order saga). An order has
-- rows only when every line was reserved; cancelling releases them.
create table inventory.reservations (
  order_id uuid not null,
  product_id uuid not null,
  quantity integer not null check (quantity > 0),
  status text not null check (status in ('RESERVED', 'RELEASED')),
  primary key (order_id, product_id)
);
