-- The rating summary read model: one row per reviewed product, kept by the
-- `ratingSummary` projection from the ReviewAdded events in reviews.outbox
-- (never written by commands). Rebuilt from the log by emptying it and
-- applying every event again, so nothing here may come from anywhere else.
create table reviews.rating_summary (
  product_id uuid primary key,
  -- How many reviews, and the sum of their ratings: average = total / count.
  count integer not null check (count >= 0),
  total integer not null check (total >= 0),
  -- How many reviews gave 1, 2, 3, 4 and 5 stars.
  ones integer not null default 0 check (ones >= 0),
  twos integer not null default 0 check (twos >= 0),
  threes integer not null default 0 check (threes >= 0),
  fours integer not null default 0 check (fours >= 0),
  fives integer not null default 0 check (fives >= 0),
  constraint rating_summary_counts_add_up check (ones + twos + threes + fours + fives = count)
);
