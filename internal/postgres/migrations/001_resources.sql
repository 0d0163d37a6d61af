-- Resources, their revisions and the change log (outbox).

-- A resource: its identity (slug), state and which revision the public sees.
CREATE TABLE resources (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug               text NOT NULL UNIQUE,
    kind               text NOT NULL CHECK (kind IN ('GUIDANCE', 'RESEARCH_BRIEF', 'POLICY_POSITION')),
    status             text NOT NULL CHECK (status IN ('DRAFT', 'PUBLISHED', 'WITHDRAWN')),
    -- The file that manages the resource (absolute path), NULL when made through the API.
    origin             text,
    -- SHA-256 of the origin file's bytes at its last import.
    content_hash       text,
    latest_revision    integer NOT NULL,
    published_revision integer,
    withdrawn_reason   text,
    withdrawn_at       timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    -- When what the public sees last changed.
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CHECK (status <> 'PUBLISHED' OR published_revision IS NOT NULL),
    CHECK (status <> 'WITHDRAWN' OR withdrawn_at IS NOT NULL)
);

CREATE INDEX resources_origin ON resources (origin) WHERE origin IS NOT NULL;

-- Every content change is a full snapshot with a revision number that only grows.
CREATE TABLE revisions (
    resource_id    bigint NOT NULL REFERENCES resources (id),
    revision       integer NOT NULL CHECK (revision > 0),
    kind           text NOT NULL,
    slug           text NOT NULL,
    title          text NOT NULL,
    summary        text NOT NULL,
    body           text NOT NULL,
    topics         text[] NOT NULL DEFAULT '{}',
    audiences      text[] NOT NULL DEFAULT '{}',
    nations        text[] NOT NULL DEFAULT '{}',
    language       text NOT NULL DEFAULT 'en',
    translation_of text,
    published_at   date,
    last_reviewed  date,
    next_review    date,
    sources        jsonb NOT NULL DEFAULT '[]',
    related        text[] NOT NULL DEFAULT '{}',
    details        jsonb NOT NULL DEFAULT '{}',
    origin         text,
    content_hash   text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (resource_id, revision)
);

CREATE INDEX revisions_topics ON revisions USING gin (topics);
CREATE INDEX revisions_translation_of ON revisions (translation_of) WHERE translation_of IS NOT NULL;

-- The outbox: one row per change that may alter what search returns, written
-- in the transaction of the change. txid lets readers never skip a row whose
-- transaction commits after a later sequence number.
CREATE TABLE changes (
    seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    resource_id bigint NOT NULL REFERENCES resources (id),
    revision    integer,
    action      text NOT NULL,
    txid        xid8 NOT NULL DEFAULT pg_current_xact_id(),
    created_at  timestamptz NOT NULL DEFAULT now()
);
