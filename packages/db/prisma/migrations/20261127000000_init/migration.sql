-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "run_status" AS ENUM ('queued', 'running', 'passed', 'failed', 'timed_out', 'unsupported', 'canceled', 'lost', 'error');

-- CreateEnum
CREATE TYPE "failure_kind" AS ENUM ('test', 'timeout', 'unsupported', 'infrastructure', 'canceled');

-- CreateTable
CREATE TABLE "repository" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "last_synced_at" TIMESTAMP(3),
    "last_sync_error" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "repository_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "branch" (
    "id" TEXT NOT NULL,
    "repository_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "head_sha" TEXT NOT NULL,
    "updated_at" TIMESTAMP(3) NOT NULL,
    "deleted_at" TIMESTAMP(3),

    CONSTRAINT "branch_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "commit" (
    "id" TEXT NOT NULL,
    "repository_id" TEXT NOT NULL,
    "sha" TEXT NOT NULL,
    "author_name" TEXT NOT NULL,
    "author_email" TEXT NOT NULL,
    "authored_at" TIMESTAMP(3) NOT NULL,
    "committed_at" TIMESTAMP(3) NOT NULL,
    "subject" TEXT NOT NULL,
    "message" TEXT NOT NULL,

    CONSTRAINT "commit_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "run" (
    "id" UUID NOT NULL,
    "repository_id" TEXT NOT NULL,
    "commit_sha" TEXT NOT NULL,
    "branch_name" TEXT NOT NULL,
    "lane" TEXT NOT NULL,
    "attempt" INTEGER NOT NULL,
    "previous_run_id" UUID,
    "status" "run_status" NOT NULL DEFAULT 'queued',
    "failure_kind" "failure_kind",
    "reason" TEXT,
    "fence" INTEGER NOT NULL DEFAULT 0,
    "argv" TEXT[],
    "timeout_seconds" INTEGER NOT NULL,
    "host_class" TEXT NOT NULL,
    "catalog_source" TEXT NOT NULL,
    "host_id" TEXT,
    "host_fingerprint" JSONB,
    "requested_by" TEXT,
    "queued_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMP(3),
    "finished_at" TIMESTAMP(3),
    "exit_code" INTEGER,

    CONSTRAINT "run_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "console" (
    "id" TEXT NOT NULL,
    "run_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "length" BIGINT NOT NULL DEFAULT 0,
    "closed" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "console_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "console_chunk" (
    "console_id" TEXT NOT NULL,
    "offset" BIGINT NOT NULL,
    "length" INTEGER NOT NULL,
    "data" BYTEA NOT NULL,

    CONSTRAINT "console_chunk_pkey" PRIMARY KEY ("console_id","offset")
);

-- CreateTable
CREATE TABLE "host" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "classes" TEXT[],
    "capabilities" JSONB NOT NULL,
    "slots" INTEGER NOT NULL,
    "slots_in_use" INTEGER NOT NULL DEFAULT 0,
    "started_at" TIMESTAMP(3) NOT NULL,
    "last_heartbeat_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "host_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "repository_name_key" ON "repository"("name");

-- CreateIndex
CREATE UNIQUE INDEX "branch_repository_id_name_key" ON "branch"("repository_id", "name");

-- CreateIndex
CREATE UNIQUE INDEX "commit_repository_id_sha_key" ON "commit"("repository_id", "sha");

-- CreateIndex
CREATE INDEX "run_repository_id_branch_name_lane_queued_at_idx" ON "run"("repository_id", "branch_name", "lane", "queued_at");

-- CreateIndex
CREATE INDEX "run_status_idx" ON "run"("status");

-- CreateIndex
CREATE UNIQUE INDEX "run_repository_id_commit_sha_lane_attempt_key" ON "run"("repository_id", "commit_sha", "lane", "attempt");

-- CreateIndex
CREATE UNIQUE INDEX "console_run_id_name_key" ON "console"("run_id", "name");

-- CreateIndex
CREATE UNIQUE INDEX "host_name_key" ON "host"("name");

-- AddForeignKey
ALTER TABLE "branch" ADD CONSTRAINT "branch_repository_id_fkey" FOREIGN KEY ("repository_id") REFERENCES "repository"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "commit" ADD CONSTRAINT "commit_repository_id_fkey" FOREIGN KEY ("repository_id") REFERENCES "repository"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "run" ADD CONSTRAINT "run_repository_id_fkey" FOREIGN KEY ("repository_id") REFERENCES "repository"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "run" ADD CONSTRAINT "run_host_id_fkey" FOREIGN KEY ("host_id") REFERENCES "host"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "console" ADD CONSTRAINT "console_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "run"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "console_chunk" ADD CONSTRAINT "console_chunk_console_id_fkey" FOREIGN KEY ("console_id") REFERENCES "console"("id") ON DELETE CASCADE ON UPDATE CASCADE;

