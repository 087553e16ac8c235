-- The audit log: who changed what, when and from where (issue #10).
CREATE TABLE "audit_event" (
    "id" UUID NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor" TEXT NOT NULL,
    "user_id" TEXT,
    "role" TEXT NOT NULL,
    "address" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "run_id" TEXT,
    "branch" TEXT,
    "lane" TEXT,
    "repository" TEXT,
    "summary" TEXT,
    "input" JSONB,
    "outcome" TEXT NOT NULL,

    CONSTRAINT "audit_event_pkey" PRIMARY KEY ("id")
);

-- The admin page and `proofboard audit`: newest first.
CREATE INDEX "audit_event_at_idx" ON "audit_event"("at" DESC);

-- A run page's "canceled by …" lines.
CREATE INDEX "audit_event_run_id_at_idx" ON "audit_event"("run_id", "at");

ALTER TABLE "audit_event" ADD CONSTRAINT "audit_event_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "user"("id") ON DELETE SET NULL ON UPDATE CASCADE;
