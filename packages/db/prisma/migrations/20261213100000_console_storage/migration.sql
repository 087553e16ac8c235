-- Console storage that can be kept in bounds (issue #12; README: How console storage grows).
--
-- Every console gets the day its bytes may go (console.expires_on: the day it was opened plus its
-- run's console_retention_days, from the lane or the site's default; 9999-12-31 keeps it: a real
-- date every client reads, where 'infinity' is not). Chunks carry that day and live in a table
-- partitioned by it, one partition per week of expiry days, so retention drops whole partitions
-- (DROP TABLE: no full-table DELETE, no bloat, no long VACUUM).
-- Chunks written before this keep their bytes in console_chunk_kept (expiry 9999-12-31).
--
-- A finished console printed in many small chunks is compacted: rows of up to ~1 MiB, compressed
-- (TOAST compresses values over ~2 KiB only, so small chunks were stored raw), with the chunks'
-- storage times kept in `stamps` for the run page's per-line times.

ALTER TABLE "run" ADD COLUMN "console_retention_days" INTEGER;
ALTER TABLE "run" ADD CONSTRAINT "run_console_retention_days_check"
  CHECK ("console_retention_days" IS NULL OR "console_retention_days" BETWEEN 1 AND 3650);

ALTER TABLE "console" ADD COLUMN "expires_on" DATE NOT NULL DEFAULT '9999-12-31',
  ADD COLUMN "compacted_at" TIMESTAMP(3),
  ADD COLUMN "dropped_at" TIMESTAMP(3),
  ADD COLUMN "stored_bytes" BIGINT;
-- what chunks reference: a chunk's expiry can only be its console's
ALTER TABLE "console" ADD CONSTRAINT "console_id_expires_on_key" UNIQUE ("id", "expires_on");
CREATE INDEX "console_expires_on_idx" ON "console" ("expires_on") WHERE "expires_on" < '9999-12-31';
-- finished consoles not yet looked at by compaction: the backlog only
CREATE INDEX "console_compact_backlog_idx" ON "console" ("run_id") WHERE "compacted_at" IS NULL;

-- The chunks stored so far become the partition of consoles kept for ever.
ALTER TABLE "console_chunk" RENAME TO "console_chunk_kept";
ALTER TABLE "console_chunk_kept" DROP CONSTRAINT "console_chunk_console_id_fkey";
ALTER TABLE "console_chunk_kept" DROP CONSTRAINT "console_chunk_pkey";
ALTER TABLE "console_chunk_kept" ADD COLUMN "expires_on" DATE NOT NULL DEFAULT '9999-12-31';
ALTER TABLE "console_chunk_kept" ALTER COLUMN "expires_on" DROP DEFAULT;
ALTER TABLE "console_chunk_kept" ADD COLUMN "stamps" BIGINT[];
DROP POLICY IF EXISTS web_all ON "console_chunk_kept";
DROP POLICY IF EXISTS worker_read ON "console_chunk_kept";
DROP POLICY IF EXISTS worker_append_chunk ON "console_chunk_kept";
ALTER TABLE "console_chunk_kept" DISABLE ROW LEVEL SECURITY;

CREATE TABLE "console_chunk" (
    "console_id" TEXT NOT NULL,
    "offset" BIGINT NOT NULL,
    "length" INTEGER NOT NULL,
    "data" BYTEA NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "newlines_before" BIGINT,
    "expires_on" DATE NOT NULL,
    -- a compacted row's chunks: their offsets and storage times (epoch ms), interleaved
    "stamps" BIGINT[],
    CONSTRAINT "console_chunk_pkey" PRIMARY KEY ("console_id", "offset", "expires_on")
) PARTITION BY RANGE ("expires_on");
DO $$
BEGIN
  ALTER TABLE "console_chunk" ALTER COLUMN "data" SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
  RAISE NOTICE 'lz4 is not available in this PostgreSQL build: console chunks stay compressed with pglz';
END
$$;
ALTER TABLE "console_chunk" ATTACH PARTITION "console_chunk_kept" FOR VALUES FROM ('9999-12-31') TO (MAXVALUE);
ALTER TABLE "console_chunk" ADD CONSTRAINT "console_chunk_console_fkey" FOREIGN KEY ("console_id", "expires_on")
  REFERENCES "console" ("id", "expires_on") ON DELETE CASCADE ON UPDATE RESTRICT;

-- The weekly partition a console's chunks go to, made just after the console is (and again by an
-- append that finds none): the migrating role owns the table, so the web and workers reach this DDL
-- only through this function. Attaching takes a SHARE UPDATE EXCLUSIVE lock on the parent, which
-- appends and reads do not wait for, and, to give the partition its foreign key, a SHARE ROW
-- EXCLUSIVE lock on `console`: so it is never called from a transaction that wrote to `console`
-- (two such would wait for each other), always on its own.
CREATE FUNCTION console_chunk_partition(expires DATE) RETURNS TEXT
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
  week DATE;
  part TEXT;
BEGIN
  IF expires = '9999-12-31' THEN RETURN 'console_chunk_kept'; END IF;
  IF expires IS NULL OR expires < current_date - 7 OR expires > current_date + 3660 THEN
    RAISE EXCEPTION 'console expiry % is outside the retention a lane may ask for', expires;
  END IF;
  week := date_trunc('week', expires)::date;
  part := 'console_chunk_' || to_char(week, 'YYYYMMDD');
  IF to_regclass(quote_ident(part)) IS NOT NULL THEN RETURN part; END IF;
  PERFORM pg_advisory_xact_lock(hashtext('proofboard console_chunk partitions'));
  -- pg_class read anew, not to_regclass: its cache may not yet know of a table another session
  -- made while this one waited for the lock
  IF EXISTS (SELECT 1 FROM pg_class WHERE relname = part AND relnamespace = current_schema()::regnamespace) THEN
    RETURN part;
  END IF;
  EXECUTE format('CREATE TABLE %I (LIKE console_chunk INCLUDING DEFAULTS INCLUDING STORAGE INCLUDING COMPRESSION)', part);
  EXECUTE format('ALTER TABLE console_chunk ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', part, week, week + 7);
  RETURN part;
END $$;

-- Retention: every weekly partition whose consoles have all expired by `today` is dropped whole,
-- and its consoles say so (their rows, markers and verdicts stay: only the bytes go).
CREATE FUNCTION console_chunk_drop_expired(today DATE)
RETURNS TABLE ("partition" TEXT, consoles BIGINT, bytes BIGINT)
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
  r RECORD;
  week DATE;
BEGIN
  -- one web process at a time (each runs this every minute); dropping waits for the parent's
  -- ACCESS EXCLUSIVE lock, which must never queue appends behind it for long
  PERFORM set_config('lock_timeout', '5s', true);
  PERFORM pg_advisory_xact_lock(hashtext('proofboard console_chunk partitions'));
  FOR r IN
    SELECT c.relname::text AS name, c.oid
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'console_chunk'::regclass AND c.relname ~ '^console_chunk_[0-9]{8}$'
    ORDER BY c.relname
  LOOP
    week := to_date(right(r.name, 8), 'YYYYMMDD');
    CONTINUE WHEN week + 7 > today;
    "partition" := r.name;
    bytes := pg_total_relation_size(r.oid);
    UPDATE console SET dropped_at = now()
    WHERE expires_on >= week AND expires_on < week + 7 AND dropped_at IS NULL;
    GET DIAGNOSTICS consoles = ROW_COUNT;
    EXECUTE format('DROP TABLE %I', r.name);
    RETURN NEXT;
  END LOOP;
END $$;

-- A console's expiry, set as it is made.
CREATE FUNCTION console_set_expiry() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
DECLARE
  days INTEGER;
BEGIN
  SELECT console_retention_days INTO days FROM run WHERE id = NEW.run_id;
  NEW.expires_on := CASE WHEN days IS NULL THEN DATE '9999-12-31' ELSE current_date + days END;
  RETURN NEW;
END $$;
CREATE TRIGGER console_set_expiry BEFORE INSERT ON "console" FOR EACH ROW EXECUTE FUNCTION console_set_expiry();

DO $$
BEGIN
  -- pinned search paths: nobody's temporary table stands in for ours inside a SECURITY DEFINER function
  EXECUTE format('ALTER FUNCTION %I.console_chunk_partition(date) SET search_path = %I, pg_temp', current_schema(), current_schema());
  EXECUTE format('ALTER FUNCTION %I.console_chunk_drop_expired(date) SET search_path = %I, pg_temp', current_schema(), current_schema());
END $$;
REVOKE ALL ON FUNCTION console_chunk_partition(DATE) FROM PUBLIC;
REVOKE ALL ON FUNCTION console_chunk_drop_expired(DATE) FROM PUBLIC;

-- Roles (migration 20261205000000_worker_db_roles, which scripts/db-roles.ts reapplies): the new
-- table gets the grants and policies the old one had; the functions go to whom needs them.
GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES ON "console_chunk" TO proofboard_web;
GRANT SELECT, INSERT ON "console_chunk" TO proofboard_worker;
GRANT EXECUTE ON FUNCTION console_chunk_partition(DATE) TO proofboard_web, proofboard_worker;
GRANT EXECUTE ON FUNCTION console_chunk_drop_expired(DATE) TO proofboard_web;
ALTER TABLE "console_chunk" ENABLE ROW LEVEL SECURITY;
CREATE POLICY web_all ON "console_chunk" FOR ALL TO proofboard_web USING (true) WITH CHECK (true);
CREATE POLICY worker_read ON "console_chunk" FOR SELECT TO proofboard_worker USING (true);
CREATE POLICY worker_append_chunk ON "console_chunk" FOR INSERT TO proofboard_worker
  WITH CHECK (EXISTS (SELECT 1 FROM "console" c JOIN "run" r ON r.id = c.run_id WHERE c.id = console_id AND r.worker_role = current_user));
