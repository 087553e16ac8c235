-- The target repository's fetch state: when a fetch last worked, and the fault that stops it now
-- (set by the sync and by workers fetching a run's commit, cleared by the next good fetch).
ALTER TABLE "repository" ADD COLUMN "target_fetched_at" TIMESTAMP(3);
ALTER TABLE "repository" ADD COLUMN "target_fault" TEXT;
ALTER TABLE "repository" ADD COLUMN "target_fault_at" TIMESTAMP(3);
