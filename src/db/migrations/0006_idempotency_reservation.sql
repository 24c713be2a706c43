-- The request that holds an Idempotency-Key (issue 13, point 4): a token set when a request
-- reserves the key. Only its holder binds the key to an order, saves the answer or releases it,
-- so a request that lost its lock (it ran longer than the lock) can no longer bind a second order
-- to a key another request has taken over. Nullable, no default: adding it rewrites nothing.
alter table idempotency_keys add column reservation uuid;
