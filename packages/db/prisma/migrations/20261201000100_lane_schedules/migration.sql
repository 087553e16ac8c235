-- Lane schedules (triggers.schedule) mirrored from main's catalog: Redis is transport only,
-- so the job schedulers are rebuilt from these rows after Redis loses its data.
CREATE TABLE "lane_schedule" (
    "repository_id" TEXT NOT NULL,
    "lane" TEXT NOT NULL,
    "pattern" TEXT NOT NULL,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "lane_schedule_pkey" PRIMARY KEY ("repository_id","lane")
);

ALTER TABLE "lane_schedule" ADD CONSTRAINT "lane_schedule_repository_id_fkey" FOREIGN KEY ("repository_id") REFERENCES "repository"("id") ON DELETE CASCADE ON UPDATE CASCADE;
