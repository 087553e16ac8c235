-- Who started a run (issue #11): run.trigger said manual, push, schedule, needed or missing, but an
-- automatic retry after an infrastructure fault was stored as 'manual' (requested_by 'automatic
-- retry') and read like a rerun somebody clicked. Now every way a run is created says so in
-- trigger (the values of packages/domain/src/run-origin.ts RUN_TRIGGERS), and trigger_detail keeps
-- what the label needs that no other column has: a schedule's cron pattern, a retry's "2 of 3".
ALTER TABLE "run" ADD COLUMN "trigger_detail" TEXT;

-- The backfill changes no column the readiness summaries copy, so their trigger need not fold
-- the rewritten rows (the migrating role owns the table).
ALTER TABLE "run" DISABLE TRIGGER "run_updated_into_summaries";

-- Automatic retries (services AUTOMATIC_RETRY). Their number in a row: from the reason they were
-- queued with while it is still there ("automatic retry 2 of 3 …"), else counted along
-- previous_run_id (the limit of the time is not known then: the number alone).
WITH RECURSIVE chain AS (
  SELECT id, previous_run_id AS prev, 1 AS n FROM "run" WHERE requested_by = 'automatic retry'
  UNION ALL
  SELECT c.id, p.previous_run_id, c.n + 1 FROM chain c JOIN "run" p ON p.id = c.prev AND p.requested_by = 'automatic retry'
  -- a chain is at most PROOFBOARD_INFRA_RETRIES long; the bound only guards against a cycle
  WHERE c.n < 100
)
UPDATE "run" r SET "trigger" = 'retry',
  trigger_detail = coalesce(substring(r.reason from '^automatic retry (\d+ of \d+)'), c.n::text)
FROM (SELECT id, max(n) AS n FROM chain GROUP BY id) c
WHERE r.id = c.id;

-- The demo's seed asked by hand under the name "demo".
UPDATE "run" SET "trigger" = 'demo' WHERE requested_by = 'demo' AND "trigger" = 'manual';

-- Scheduled runs: the pattern is in the lane as resolved when the run was requested.
UPDATE "run" SET trigger_detail = lane_spec -> 'triggers' ->> 'schedule'
WHERE "trigger" = 'schedule' AND trigger_detail IS NULL AND lane_spec IS NOT NULL;

ALTER TABLE "run" ENABLE TRIGGER "run_updated_into_summaries";

-- Only the known triggers: a typo in a new code path fails its insert instead of labelling runs "queued".
ALTER TABLE "run" ADD CONSTRAINT "run_trigger_known"
  CHECK ("trigger" IN ('manual', 'missing', 'needed', 'push', 'sync', 'schedule', 'retry', 'demo')) NOT VALID;
ALTER TABLE "run" VALIDATE CONSTRAINT "run_trigger_known";
