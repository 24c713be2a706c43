-- What a create answered, as the use case sees it (issue 14, point 2): the order as it was when it
-- was answered, `accepted` for a saga still running, or the failure found after the order was
-- stored with the first answer's trace id. A retry with the same Idempotency-Key is answered from
-- it. Rows written before this column hold the HTTP answer in response_status/response_body and
-- are read back from those (src/db/idempotency-outcome.ts) until the purge removes them.
-- Nullable, no default: adding it rewrites nothing.
alter table idempotency_keys add column outcome jsonb;
