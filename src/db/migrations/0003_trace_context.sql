-- The W3C traceparent of the span that created each saga and outbox row (the request, or the
-- saga step that queued a notification). The recovery worker and the outbox relay start their
-- own traces with a link to it. Null for rows written before tracing or with tracing disabled.
alter table sagas add column traceparent text
  check (traceparent ~ '^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$');
alter table outbox add column traceparent text
  check (traceparent ~ '^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$');
