-- Consoles say why they were expected and how they ended; failure markers per console; operations
-- a holder runs on a held cluster, each recorded as a console of the run.
ALTER TABLE "console" ADD COLUMN "expected_from" TEXT;
ALTER TABLE "console" ADD COLUMN "verdict" TEXT;
ALTER TABLE "console" ADD COLUMN "lines" INTEGER NOT NULL DEFAULT 0;

CREATE TABLE "console_marker" (
    "console_id" TEXT NOT NULL,
    "offset" BIGINT NOT NULL,
    "line" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "console_marker_pkey" PRIMARY KEY ("console_id","offset")
);
ALTER TABLE "console_marker" ADD CONSTRAINT "console_marker_console_id_fkey" FOREIGN KEY ("console_id") REFERENCES "console"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "operation" (
    "id" UUID NOT NULL,
    "run_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "node" TEXT,
    "argv" TEXT[],
    "console_id" TEXT NOT NULL,
    "requested_by_id" TEXT NOT NULL,
    "requested_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMP(3),
    "ended_at" TIMESTAMP(3),
    "exit_code" INTEGER,
    "error" TEXT,
    "cols" INTEGER NOT NULL DEFAULT 120,
    "rows" INTEGER NOT NULL DEFAULT 32,
    CONSTRAINT "operation_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "operation_console_id_key" ON "operation"("console_id");
CREATE INDEX "operation_run_id_requested_at_idx" ON "operation"("run_id", "requested_at");
ALTER TABLE "operation" ADD CONSTRAINT "operation_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "run"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "operation" ADD CONSTRAINT "operation_console_id_fkey" FOREIGN KEY ("console_id") REFERENCES "console"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "operation" ADD CONSTRAINT "operation_requested_by_id_fkey" FOREIGN KEY ("requested_by_id") REFERENCES "user"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
