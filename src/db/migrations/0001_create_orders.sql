-- The seed schema's tables and columns, with what the contract needs added.
create table orders (
  id               bigserial primary key,
  user_id          bigint not null check (user_id > 0),
  status           text not null default 'pending'
                   check (status in ('pending', 'paid', 'processing', 'shipped', 'delivered', 'cancelled', 'failed')),
  total_amount     numeric(14, 2) not null check (total_amount >= 0),
  currency         char(3) not null check (currency ~ '^[A-Z]{3}$'),
  shipping_address jsonb not null check (jsonb_typeof(shipping_address) = 'object'),
  payment_id       text,
  version          integer not null default 1 check (version >= 1),
  created_at       timestamptz not null default now(),
  updated_at       timestamptz not null default now(),
  -- an order that holds a charge has a payment id
  check (status not in ('paid', 'processing', 'shipped', 'delivered') or payment_id is not null)
);

-- GET /api/orders: a user's orders newest first, and all orders newest first, each by status too
create index orders_user_created_idx on orders (user_id, created_at desc, id desc);
create index orders_created_idx on orders (created_at desc, id desc);
create index orders_status_created_idx on orders (status, created_at desc, id desc);

create table order_items (
  id         bigserial primary key,
  order_id   bigint not null references orders (id) on delete cascade,
  product_id bigint not null check (product_id > 0),
  quantity   integer not null check (quantity > 0 and quantity <= 1000),
  price      numeric(14, 2) not null check (price >= 0),
  created_at timestamptz not null default now(),
  unique (order_id, product_id)
);

create table order_status_history (
  id          bigserial primary key,
  order_id    bigint not null references orders (id) on delete cascade,
  from_status text check (from_status in ('pending', 'paid', 'processing', 'shipped', 'delivered', 'cancelled', 'failed')),
  to_status   text not null check (to_status in ('pending', 'paid', 'processing', 'shipped', 'delivered', 'cancelled', 'failed')),
  actor       text not null check (actor ~ '^(system|user:[0-9]+|admin:[0-9]+)$'),
  reason      text check (char_length(reason) <= 500),
  at          timestamptz not null default now()
);

create index order_status_history_order_idx on order_status_history (order_id, id);

-- Idempotency-Key records (order-api.md): scoped per user, bound to the order once it is stored.
-- While `order_id` is null the key only guards an in-flight request until `locked_until`.
create table idempotency_keys (
  user_id         bigint not null,
  key             text not null check (char_length(key) between 1 and 255),
  request_hash    text not null,
  order_id        bigint references orders (id) on delete cascade,
  response_status integer check (response_status between 100 and 599),
  response_body   jsonb,
  locked_until    timestamptz,
  created_at      timestamptz not null default now(),
  primary key (user_id, key)
);

create index idempotency_keys_created_idx on idempotency_keys (created_at);

-- Sagas: one row per process that changes stock or money for an order (placing it, cancelling
-- it, failing it). `step` is where it stands; `lease_token`/`locked_until` say who drives it.
create table sagas (
  id               bigserial primary key,
  order_id         bigint not null references orders (id) on delete cascade,
  kind             text not null check (kind in ('place', 'cancel', 'fail')),
  state            text not null default 'running'
                   check (state in ('running', 'compensating', 'completed', 'failed')),
  step             text not null,
  actor            text not null check (actor ~ '^(system|user:[0-9]+|admin:[0-9]+)$'),
  reason           text,
  payment_method   text,
  request_id       text,
  cancel_requested jsonb,
  attempts         integer not null default 0 check (attempts >= 0),
  last_error       text,
  lease_token      uuid,
  locked_until     timestamptz,
  next_attempt_at  timestamptz not null default now(),
  deadline_at      timestamptz not null,
  created_at       timestamptz not null default now(),
  updated_at       timestamptz not null default now()
);

-- at most one unfinished saga per order
create unique index sagas_one_active_per_order on sagas (order_id)
  where state in ('running', 'compensating');
create index sagas_due_idx on sagas (next_attempt_at) where state in ('running', 'compensating');

-- The saga log: the intent of every step before it runs, and its outcome after.
create table saga_log (
  id         bigserial primary key,
  saga_id    bigint not null references sagas (id) on delete cascade,
  step       text not null,
  phase      text not null check (phase in ('intent', 'outcome')),
  outcome    text,
  detail     jsonb,
  at         timestamptz not null default now()
);

create index saga_log_saga_idx on saga_log (saga_id, id);

-- Transactional outbox for notifications: written in the transaction of the state change.
create table outbox (
  id              bigserial primary key,
  order_id        bigint not null references orders (id) on delete cascade,
  user_id         bigint not null,
  type            text not null
                  check (type in ('order.created', 'order.paid', 'order.failed', 'order.cancelled', 'order.status_changed')),
  data            jsonb not null default '{}',
  attempts        integer not null default 0,
  last_error      text,
  next_attempt_at timestamptz not null default now(),
  locked_until    timestamptz,
  delivered_at    timestamptz,
  created_at      timestamptz not null default now()
);

create index outbox_due_idx on outbox (next_attempt_at) where delivered_at is null;
create index outbox_order_idx on outbox (order_id);
