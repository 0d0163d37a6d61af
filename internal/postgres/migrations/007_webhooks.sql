-- Webhooks: endpoints registered by admins, and one delivery row per event
-- and endpoint, written in the transaction that moves the "webhooks"
-- change-log reader, so that no event is fanned out twice or lost.
CREATE TABLE webhook_endpoints (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    url             text NOT NULL,
    -- The signing key itself: webhooks are signed with it (HMAC), so it
    -- cannot be stored as a hash. Shown once, as whsec_<base64>.
    secret          bytea NOT NULL,
    events          text[] NOT NULL,
    kinds           text[] NOT NULL DEFAULT '{}',
    topics          text[] NOT NULL DEFAULT '{}',
    description     text NOT NULL DEFAULT '',
    enabled         boolean NOT NULL DEFAULT true,
    disabled_reason text,
    disabled_at     timestamptz,
    -- Since when every attempt has failed (NULL after a success).
    failing_since   timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    created_by      text NOT NULL
);

CREATE TABLE webhook_deliveries (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    endpoint_id     bigint NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    -- webhook-id: the same on every retry, so receivers can de-duplicate.
    msg_id          text NOT NULL,
    event_type      text NOT NULL,
    -- The exact bytes sent and signed.
    payload         text NOT NULL,
    -- When the change was committed (event time).
    event_at        timestamptz NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    status          text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'DELIVERED', 'FAILED')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_attempt_at timestamptz,
    last_status     integer,
    last_error      text,
    delivered_at    timestamptz,
    UNIQUE (endpoint_id, msg_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'PENDING';
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id DESC);

-- Durable positions of change-log readers shared by every replica.
CREATE TABLE change_readers (
    name     text PRIMARY KEY,
    position text NOT NULL
);
