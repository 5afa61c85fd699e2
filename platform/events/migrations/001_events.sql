-- The event tables every subgraph has, in its own schema (__SCHEMA__).

-- The subgraph's event log. A command appends its events here in the same
-- transaction as its state change; the relay publishes unsent rows to the
-- bus; projections read it by position. Rows are kept after publishing: the
-- log is what projections are rebuilt from.
create table __SCHEMA__.outbox (
  position bigserial primary key,
  event_id uuid not null unique,
  type text not null,
  aggregate_id text not null,
  aggregate_version integer not null,
  occurred_at timestamptz(3) not null,
  correlation_id text not null,
  causation_id uuid,
  data jsonb not null,
  published_at timestamptz(3)
);
create index outbox_unpublished_idx on __SCHEMA__.outbox (position) where published_at is null;
create index outbox_type_idx on __SCHEMA__.outbox (type, position);

-- Which relay instance may publish, until when: one at a time keeps stream order.
create table __SCHEMA__.outbox_lease (
  name text primary key,
  owner text not null,
  expires_at timestamptz(3) not null
);

-- Events a consumer has handled, recorded in the transaction of its effect.
create table __SCHEMA__.inbox (
  consumer text not null,
  event_id uuid not null,
  event_type text not null,
  processed_at timestamptz(3) not null default now(),
  primary key (consumer, event_id)
);

-- How far each projection has read the log.
create table __SCHEMA__.checkpoints (
  projection text primary key,
  position bigint not null,
  updated_at timestamptz(3) not null default now()
);
