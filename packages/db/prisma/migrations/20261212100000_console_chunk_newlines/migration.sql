-- Where each stored chunk stands in its console's lines (issue #12): the newlines before its first
-- byte, counted by the worker as the bytes pass. A page can then open a large console at its tail,
-- or at any line or offset, and still number the lines it shows, without reading what comes before.
-- Chunks stored before this have none; their consoles are read from the start, as before.
ALTER TABLE "console_chunk" ADD COLUMN "newlines_before" BIGINT;
