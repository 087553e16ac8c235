-- Outgoing news (issue #11): signed webhooks people subscribe to, and commit statuses sent to the
-- forge. Not the incoming push webhooks (webhook_delivery). An event is made once (its key is
-- unique), then one delivery per receiver (unique per event and target): an outbox that several web
-- processes share without sending anything twice. Ids are uuids, so the web role needs no sequence.

-- A receiver an admin added. The secret is kept as given: signing (HMAC) needs it, so it cannot be
-- a hash; the API shows it once and never again.
CREATE TABLE "notification_hook" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "name" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "secret" TEXT NOT NULL,
    "format" TEXT NOT NULL,
    "events" TEXT[] NOT NULL,
    "branch_filter" TEXT,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "created_by" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "notification_hook_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "notification_hook_format_check" CHECK ("format" IN ('proofboard', 'slack')),
    CONSTRAINT "notification_hook_url_check" CHECK ("url" ~ '^https?://')
);

-- Something worth telling: a readiness change, a failed release lane, a test ping.
CREATE TABLE "notification_event" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    -- readiness:<readiness_change.id>, run:<run.id>, ping:<uuid>
    "key" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "repository_id" TEXT,
    "branch" TEXT,
    -- the proofboard-format payload (its "version" field says which schema)
    "payload" JSONB NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "notification_event_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "notification_event_key_key" ON "notification_event"("key");

-- One event to one receiver: a hook, or the forge's commit-status API (hook_id NULL, target 'forge').
CREATE TABLE "notification_delivery" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "event_id" UUID NOT NULL,
    "hook_id" UUID,
    -- the hook's id, or forge
    "target" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    -- the exact bytes sent (and signed), the same on every attempt and redelivery
    "body" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    -- when it is due; while sending, when another process may take it over (the sender died)
    "next_attempt_at" TIMESTAMP(3),
    "last_attempt_at" TIMESTAMP(3),
    "delivered_at" TIMESTAMP(3),
    "response_status" INTEGER,
    -- the first 2 KB of the answer, as text (data, never rendered as markup)
    "response_excerpt" TEXT,
    "error" TEXT,
    -- commit statuses: "<sha> <context>"; only the newest (highest seq) of a key is sent, so a late
    -- retry never overwrites a newer verdict on the forge
    "supersede_key" TEXT,
    "seq" BIGINT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "notification_delivery_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "notification_delivery_status_check" CHECK ("status" IN ('pending', 'sending', 'delivered', 'failed', 'superseded')),
    CONSTRAINT "notification_delivery_event_id_fkey" FOREIGN KEY ("event_id") REFERENCES "notification_event"("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "notification_delivery_hook_id_fkey" FOREIGN KEY ("hook_id") REFERENCES "notification_hook"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE UNIQUE INDEX "notification_delivery_event_id_target_key" ON "notification_delivery"("event_id", "target");
CREATE INDEX "notification_delivery_target_created_at_idx" ON "notification_delivery"("target", "created_at" DESC);
CREATE INDEX "notification_delivery_supersede_idx" ON "notification_delivery"("supersede_key", "seq") WHERE "supersede_key" IS NOT NULL;
-- the sender's probe: only rows still to send
CREATE INDEX "notification_delivery_due_idx" ON "notification_delivery"("next_attempt_at") WHERE "status" IN ('pending', 'sending');

-- How far the event makers have read: readiness_change by id, failed runs by finished_at.
CREATE TABLE "notification_cursor" (
    "name" TEXT NOT NULL,
    "position" BIGINT NOT NULL DEFAULT 0,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "notification_cursor_pkey" PRIMARY KEY ("name")
);

-- Failed release lanes are found by when they finished, among failed and timed-out runs only.
CREATE INDEX "run_final_failure_idx" ON "run"("finished_at") WHERE "status" IN ('failed', 'timed_out');
