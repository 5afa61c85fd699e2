-- The product aggregate's version: 1 when created (ProductCreated), +1 with each
-- ProductPriceChanged. A price change updates only the version it read, so two
-- concurrent changes can never both become the same version.
alter table products.products add column version integer not null default 1 check (version >= 1);
