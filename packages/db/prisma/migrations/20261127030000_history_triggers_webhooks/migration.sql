-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "run_status" ADD VALUE 'waiting';
ALTER TYPE "run_status" ADD VALUE 'skipped';

-- AlterEnum
ALTER TYPE "failure_kind" ADD VALUE 'skipped';

-- AlterTable
ALTER TABLE "run" ADD COLUMN     "trigger" TEXT NOT NULL DEFAULT 'manual';

-- CreateTable
CREATE TABLE "run_metric" (
    "run_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "value" DOUBLE PRECISION NOT NULL,
    "unit" TEXT NOT NULL DEFAULT '',

    CONSTRAINT "run_metric_pkey" PRIMARY KEY ("run_id","name")
);

-- CreateTable
CREATE TABLE "webhook_delivery" (
    "id" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "received_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "webhook_delivery_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "webhook_delivery_received_at_idx" ON "webhook_delivery"("received_at");

-- CreateIndex
CREATE INDEX "run_repository_id_commit_sha_lane_idx" ON "run"("repository_id", "commit_sha", "lane");

-- CreateIndex
CREATE INDEX "run_repository_id_lane_status_finished_at_idx" ON "run"("repository_id", "lane", "status", "finished_at");

-- AddForeignKey
ALTER TABLE "run_metric" ADD CONSTRAINT "run_metric_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "run"("id") ON DELETE CASCADE ON UPDATE CASCADE;

