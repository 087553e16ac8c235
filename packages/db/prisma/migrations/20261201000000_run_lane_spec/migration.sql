-- The resolved lane (catalog + site overlay) snapshotted when a run is requested; null on older rows.
ALTER TABLE "run" ADD COLUMN "lane_spec" JSONB;
