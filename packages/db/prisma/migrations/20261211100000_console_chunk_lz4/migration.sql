-- Console chunks are compressed with lz4 instead of pglz (issue #12): on this machine's kind, a
-- console's 256 KiB rows went in twice as fast (25.7 vs 12.6 MB/s) for ~10% more disk (11.2 vs
-- 10.2 MiB for 64 MiB of kernel-like lines). Rows written before keep pglz; both read the same.
-- A server built without lz4 keeps pglz: this changes speed and size only.
DO $$
BEGIN
  ALTER TABLE "console_chunk" ALTER COLUMN "data" SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
  RAISE NOTICE 'lz4 is not available in this PostgreSQL build: console chunks stay compressed with pglz';
END
$$;
