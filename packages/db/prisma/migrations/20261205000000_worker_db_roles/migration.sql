-- Database roles (README: Database roles). The web and each worker host connect as different
-- PostgreSQL roles; a worker's role may change only the runs it claimed (run.worker_role, set by the
-- claim to current_user) and append only to their consoles. Row-level security tells worker A from
-- worker B; column grants keep workers off what they never write (a run's argv, a repository's url).
-- Owners and superusers (the migrating role, the test suites) bypass row-level security.
--
-- Idempotent on purpose: `pnpm exec tsx scripts/db-roles.ts apply` runs this file again, e.g. on a
-- restored database whose cluster lacks the roles (roles are not part of a database's dump).

ALTER TABLE "run" ADD COLUMN IF NOT EXISTS "worker_role" TEXT;
-- A host row belongs to the role that registered it. Added without a default first, so rows from
-- before roles stay unowned (scripts/db-roles.ts add-worker hands one to its worker's role).
ALTER TABLE "host" ADD COLUMN IF NOT EXISTS "worker_role" TEXT;
ALTER TABLE "host" ALTER COLUMN "worker_role" SET DEFAULT CURRENT_USER;

-- Group roles, cluster-wide: several databases (tests) may create them at once.
DO $$
DECLARE r text;
BEGIN
  FOREACH r IN ARRAY ARRAY['proofboard_web', 'proofboard_worker'] LOOP
    BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
        EXECUTE format('CREATE ROLE %I NOLOGIN', r);
      END IF;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
  END LOOP;
END $$;

-- The readiness summaries are kept by a trigger on run; it writes them as their owner, so a worker
-- needs no write grant on them. Search path pinned (pg_temp last) so nobody's temp table stands in.
DO $$
BEGIN
  EXECUTE format('ALTER FUNCTION %I.fold_runs_into_summaries() SECURITY DEFINER SET search_path = %I, pg_temp', current_schema(), current_schema());
END $$;

-- The web does everything the app does, by grants (not ownership: the migrating role keeps that).
DO $$
DECLARE s text := current_schema();
BEGIN
  EXECUTE format('GRANT USAGE ON SCHEMA %I TO proofboard_web, proofboard_worker', s);
  EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES ON ALL TABLES IN SCHEMA %I TO proofboard_web', s);
  -- Tables later migrations add: the web gets them; a worker gets nothing until a migration says so.
  EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES ON TABLES TO proofboard_web', s);
END $$;
-- Prisma's own bookkeeping is nobody's business but the migrator's (absent from a shadow database).
DO $$
BEGIN
  IF to_regclass(format('%I._prisma_migrations', current_schema())) IS NOT NULL THEN
    REVOKE ALL ON "_prisma_migrations" FROM proofboard_web, proofboard_worker;
  END IF;
END $$;

-- A worker: reads what it needs (never users, sessions, tokens, audit), writes only what it writes.
GRANT SELECT ON "repository", "branch", "commit", "run", "console", "console_chunk", "console_marker", "operation",
  "host", "run_metric", "commit_lane", "branch_lane_pass", "lane_schedule" TO proofboard_worker;
-- the sync of the target repository and its schedules
GRANT INSERT ON "repository", "branch", "commit", "lane_schedule" TO proofboard_worker;
GRANT UPDATE ("last_synced_at", "last_sync_error", "target_fetched_at", "target_fault", "target_fault_at") ON "repository" TO proofboard_worker;
GRANT UPDATE ("head_sha", "updated_at", "deleted_at") ON "branch" TO proofboard_worker;
GRANT UPDATE ("pattern", "updated_at"), DELETE ON "lane_schedule" TO proofboard_worker;
-- runs: new ones (retries, scheduled lanes) and the columns of a claim, a hold and an outcome
GRANT INSERT ON "run" TO proofboard_worker;
GRANT UPDATE ("status", "fence", "host_id", "host_fingerprint", "started_at", "finished_at", "failure_kind",
  "exit_code", "reason", "hold_until", "worker_role") ON "run" TO proofboard_worker;
-- consoles: append only
GRANT INSERT ON "console", "console_chunk", "console_marker", "run_metric" TO proofboard_worker;
GRANT UPDATE ("length", "closed", "kind", "lines", "verdict") ON "console" TO proofboard_worker;
GRANT UPDATE ("started_at", "ended_at", "exit_code", "error") ON "operation" TO proofboard_worker;
GRANT INSERT, UPDATE ("classes", "capabilities", "slots", "slots_in_use", "started_at", "last_heartbeat_at",
  "instance_id", "machine", "boot_id", "pid", "process_start", "ownership") ON "host" TO proofboard_worker;

-- Row-level security on what tells one worker's rows from another's.
ALTER TABLE "run" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "console" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "console_chunk" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "console_marker" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "operation" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "run_metric" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "host" ENABLE ROW LEVEL SECURITY;

-- The web sees and changes every row (cancel, holds, operations, the reconciler that marks dead hosts' runs lost).
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['run', 'console', 'console_chunk', 'console_marker', 'operation', 'run_metric', 'host'] LOOP
    EXECUTE format('DROP POLICY IF EXISTS web_all ON %I', t);
    EXECUTE format('CREATE POLICY web_all ON %I FOR ALL TO proofboard_web USING (true) WITH CHECK (true)', t);
    EXECUTE format('DROP POLICY IF EXISTS worker_read ON %I', t);
    EXECUTE format('CREATE POLICY worker_read ON %I FOR SELECT TO proofboard_worker USING (true)', t);
  END LOOP;
END $$;

-- Runs. Permissive policies are OR-ed (USING with USING, CHECK with CHECK), so each CHECK is
-- narrow enough to be safe after any USING: no CHECK lets a worker hand a run to another role.
DROP POLICY IF EXISTS worker_new_run ON "run";
-- retries and scheduled lanes: unclaimed, unheld
CREATE POLICY worker_new_run ON "run" FOR INSERT TO proofboard_worker
  WITH CHECK (status IN ('queued', 'waiting') AND worker_role IS NULL AND host_id IS NULL AND fence = 0
    AND hold_seconds IS NULL AND held_by_id IS NULL);
DROP POLICY IF EXISTS worker_own_run ON "run";
-- its claimed runs: outcome, hold, infrastructure end
CREATE POLICY worker_own_run ON "run" FOR UPDATE TO proofboard_worker
  USING (worker_role = current_user) WITH CHECK (worker_role = current_user);
DROP POLICY IF EXISTS worker_claim_run ON "run";
-- the claim: a queued run becomes this role's
CREATE POLICY worker_claim_run ON "run" FOR UPDATE TO proofboard_worker
  USING (status = 'queued') WITH CHECK (status = 'running' AND worker_role = current_user);
DROP POLICY IF EXISTS worker_release_run ON "run";
-- releasing a claimed run that could not start (release-run.ts): back to waiting, nobody's
CREATE POLICY worker_release_run ON "run" FOR UPDATE TO proofboard_worker
  USING (worker_role = current_user) WITH CHECK (status = 'waiting' AND worker_role IS NULL);
DROP POLICY IF EXISTS worker_advance_run ON "run";
-- dependencies.ts advanceWaiting: a waiting run queued or skipped, still nobody's
CREATE POLICY worker_advance_run ON "run" FOR UPDATE TO proofboard_worker
  USING (status = 'waiting') WITH CHECK (status IN ('queued', 'skipped') AND worker_role IS NULL);

-- Consoles, their chunks and markers, operations, metrics: only of runs this role claimed.
DROP POLICY IF EXISTS worker_own_console ON "console";
CREATE POLICY worker_own_console ON "console" FOR INSERT TO proofboard_worker
  WITH CHECK (EXISTS (SELECT 1 FROM "run" r WHERE r.id = run_id AND r.worker_role = current_user));
DROP POLICY IF EXISTS worker_write_console ON "console";
CREATE POLICY worker_write_console ON "console" FOR UPDATE TO proofboard_worker
  USING (EXISTS (SELECT 1 FROM "run" r WHERE r.id = run_id AND r.worker_role = current_user))
  WITH CHECK (EXISTS (SELECT 1 FROM "run" r WHERE r.id = run_id AND r.worker_role = current_user));
DROP POLICY IF EXISTS worker_append_chunk ON "console_chunk";
CREATE POLICY worker_append_chunk ON "console_chunk" FOR INSERT TO proofboard_worker
  WITH CHECK (EXISTS (SELECT 1 FROM "console" c JOIN "run" r ON r.id = c.run_id WHERE c.id = console_id AND r.worker_role = current_user));
DROP POLICY IF EXISTS worker_add_marker ON "console_marker";
CREATE POLICY worker_add_marker ON "console_marker" FOR INSERT TO proofboard_worker
  WITH CHECK (EXISTS (SELECT 1 FROM "console" c JOIN "run" r ON r.id = c.run_id WHERE c.id = console_id AND r.worker_role = current_user));
DROP POLICY IF EXISTS worker_run_operation ON "operation";
CREATE POLICY worker_run_operation ON "operation" FOR UPDATE TO proofboard_worker
  USING (EXISTS (SELECT 1 FROM "run" r WHERE r.id = run_id AND r.worker_role = current_user))
  WITH CHECK (EXISTS (SELECT 1 FROM "run" r WHERE r.id = run_id AND r.worker_role = current_user));
DROP POLICY IF EXISTS worker_add_metric ON "run_metric";
CREATE POLICY worker_add_metric ON "run_metric" FOR INSERT TO proofboard_worker
  WITH CHECK (EXISTS (SELECT 1 FROM "run" r WHERE r.id = run_id AND r.worker_role = current_user));

-- Hosts: a worker registers, heartbeats and releases only host rows of its own role.
DROP POLICY IF EXISTS worker_own_host ON "host";
CREATE POLICY worker_own_host ON "host" FOR INSERT TO proofboard_worker WITH CHECK (worker_role = current_user);
DROP POLICY IF EXISTS worker_update_host ON "host";
CREATE POLICY worker_update_host ON "host" FOR UPDATE TO proofboard_worker
  USING (worker_role = current_user) WITH CHECK (worker_role = current_user);
