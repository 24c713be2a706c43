-- The saga that holds an order (issue 12): set when a saga is stored with its order or claims
-- it (cancel, admin failed), cleared by the statement that ends the saga. Every status change
-- goes through one guarded update that requires the holder it expects — none for an admin's
-- forward move, its own saga for mark-paid and a saga's finish — so a forward PATCH and a
-- cancel or fail saga exclude each other on the order row itself (a row lock and a re-check of
-- the row, never a read of the sagas table and then a write). A nullable column without a
-- default: adding it rewrites nothing.
alter table orders add column held_by_saga_id bigint;

update orders o set held_by_saga_id = s.id
from sagas s
where s.order_id = o.id and s.state in ('running', 'compensating');
