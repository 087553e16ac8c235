-- When a branch or one of its gates turned READY or NOT READY, by which commit and run (issue #11:
-- the readiness timeline, and the source of outgoing news). Rows are only appended: the newest row of
-- a (repository, branch, gate) is its current verdict as last recorded, and a change is a row whose
-- verdict differs from that. gate NULL is the branch as a whole (every release gate green).
-- initial: the first verdict recorded for that branch and gate, a starting point rather than a change
-- (nothing is announced for it).
CREATE TABLE "readiness_change" (
    "id" BIGSERIAL NOT NULL,
    "repository_id" TEXT NOT NULL,
    "branch" TEXT NOT NULL,
    "gate" TEXT,
    "ready" BOOLEAN NOT NULL,
    "commit_sha" TEXT NOT NULL,
    "run_id" UUID,
    "missing" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[],
    "initial" BOOLEAN NOT NULL DEFAULT false,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "readiness_change_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "readiness_change_repository_id_fkey" FOREIGN KEY ("repository_id") REFERENCES "repository"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "readiness_change_repository_id_branch_id_idx" ON "readiness_change"("repository_id", "branch", "id");
