-- Which worker process holds a host name: told apart from a restarted or second worker.
ALTER TABLE host ADD COLUMN instance_id TEXT;
ALTER TABLE host ADD COLUMN machine TEXT;
ALTER TABLE host ADD COLUMN boot_id TEXT;
ALTER TABLE host ADD COLUMN pid INTEGER;
ALTER TABLE host ADD COLUMN process_start TEXT;
ALTER TABLE host ADD COLUMN ownership TEXT;
