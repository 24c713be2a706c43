-- migrate: no-transaction
-- GET /api/orders as a user filtering by status (or an admin with userId and status): without
-- this the (user_id, created_at, id) index reads all of the user's orders and drops those in
-- other statuses, so a rare status deep in a long list reads most of it. With it every list
-- shape (user, user+status, all, status; with createdFrom/createdTo and the `after` keyset
-- predicate) is one index range read in order. Built concurrently (issue 13, point 5): on a large
-- orders table a plain build blocks every write for as long as it runs.
create index concurrently if not exists orders_user_status_created_idx
  on orders (user_id, status, created_at desc, id desc);
