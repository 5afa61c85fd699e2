create table reviews.reviews (
  id uuid primary key,
  -- Ids of products and users owned by other subgraphs: no foreign keys cross schemas.
  product_id uuid not null,
  author_id uuid not null,
  rating integer not null check (rating between 1 and 5),
  body text not null check (char_length(body) between 1 and 2000),
  created_at timestamptz(3) not null,
  -- One review per author and product; `addReview` relies on it to answer a second one with CONFLICT.
  constraint reviews_one_per_author unique (product_id, author_id)
);
-- Keyset pages newest first, per product and per author.
create index reviews_product_page_idx on reviews.reviews (product_id, created_at desc, id desc);
create index reviews_author_page_idx on reviews.reviews (author_id, created_at desc, id desc);
