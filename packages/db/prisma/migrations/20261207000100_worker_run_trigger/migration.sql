-- A worker's role creates runs of its own (migration 20261205000000_worker_db_roles): automatic
-- retries, scheduled lanes, the lanes a push or sync queues, and the lanes those need first. It
-- never asks for a run on a person's behalf, so it may not insert one that says a person did
-- (trigger 'manual' or 'missing', whose requested_by is shown as "rerun by <name>").
-- Idempotent on purpose: packages/db/src/roles.ts applyRoles runs this file again after the roles
-- migration, whose own worker_new_run lacks the trigger.
DROP POLICY IF EXISTS worker_new_run ON "run";
CREATE POLICY worker_new_run ON "run" FOR INSERT TO proofboard_worker
  WITH CHECK (status IN ('queued', 'waiting') AND worker_role IS NULL AND host_id IS NULL AND fence = 0
    AND hold_seconds IS NULL AND held_by_id IS NULL
    AND "trigger" IN ('retry', 'schedule', 'push', 'sync', 'needed'));
