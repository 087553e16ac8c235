-- The readiness recorder (packages/services/src/readiness-changes.ts) asks every few seconds which
-- runs of a repository ended since its last pass: one index range instead of a scan of every run.
CREATE INDEX "run_repository_id_finished_at_idx" ON "run"("repository_id", "finished_at");

-- The web records readiness changes; readiness_change's id comes from a sequence, and the default
-- privileges of migration 20261205000000_worker_db_roles cover tables only. Sequences added later
-- go to the web as well.
GRANT USAGE, SELECT ON SEQUENCE "readiness_change_id_seq" TO proofboard_web;
DO $$
BEGIN
  EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT USAGE, SELECT ON SEQUENCES TO proofboard_web', current_schema());
END $$;
