-- Order events for the message broker (issue 15): one row per status change of an order, and one
-- when its saga is parked for an admin, written in the statement that makes the change (so an
-- event exists exactly when its change committed). Written only while EVENTS_BROKER_URL is set.
-- The relay publishes the unpublished rows of each order in id order, and the next row of an
-- order only after the broker has confirmed the one before it.
-- `status`, `version`, `payment_id` and `occurred_at` are the order's at the event (the rest of
-- the order does not change after it is placed); `event_id` is the CloudEvents id, the same on
-- every (re)publish of the row, so consumers can drop duplicates.
create table order_events (
  id              bigserial primary key,
  event_id        uuid not null default gen_random_uuid(),
  order_id        bigint not null references orders (id) on delete cascade,
  kind            text not null
                  check (kind in ('created', 'paid', 'processing', 'shipped', 'delivered',
                                  'cancelled', 'failed', 'needs_attention')),
  status          text not null,
  previous_status text,
  version         integer not null,
  payment_id      text,
  occurred_at     timestamptz not null,
  traceparent     text,
  attempts        integer not null default 0,
  last_error      text,
  next_attempt_at timestamptz not null default now(),
  locked_until    timestamptz,
  published_at    timestamptz
);

-- The relay's claim: the oldest unpublished row of each order, and the backlog's age. The partial
-- index holds only the backlog, so it stays small however many events were published.
create index order_events_unpublished_idx on order_events (order_id, id) where published_at is null;
