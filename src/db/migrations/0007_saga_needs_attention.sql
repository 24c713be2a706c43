-- A saga that needs attention (issue 13, point 2): a peer refused one of its steps with an answer
-- no retry can fix (a 4xx the contract gives no meaning). `parked_at` says since when it waits for
-- an admin's retry or resolve, `peer_answer` what the peer said ({service, operation, status}).
-- The saga keeps its state (running or compensating) so it still holds its order and stays the
-- order's one unfinished saga; it is never due while parked (next_attempt_at = 'infinity').
-- Nullable columns without defaults: adding them rewrites nothing.
alter table sagas add column parked_at timestamptz;
alter table sagas add column peer_answer jsonb;
