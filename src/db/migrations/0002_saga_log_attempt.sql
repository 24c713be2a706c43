-- Which try of the saga wrote each log entry (1 = the first run), so the log alone shows how a
-- step was retried across runs and replicas.
alter table saga_log add column attempt integer check (attempt >= 1);
