-- The order a run's failure markers came in, across its consoles: the worker numbers each write
-- it receives, and a marker keeps the number of the write that brought its line's first byte.
-- Storage times are per console flush, so two consoles' markers could share a millisecond or
-- swap places; the run page opens at the VM whose failure the harness printed first.
-- Markers stored before this have no number and are ordered by time.
ALTER TABLE "console_marker" ADD COLUMN "seq" BIGINT;
