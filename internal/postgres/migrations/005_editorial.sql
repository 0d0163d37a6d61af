-- Editorial workflow: API tokens (stored only as hashes), an audit log
-- written with every mutation, scheduled publications, revision authors.
CREATE TABLE api_tokens (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    prefix       text NOT NULL UNIQUE,
    hash         bytea NOT NULL,
    name         text NOT NULL,
    role         text NOT NULL CHECK (role IN ('PARTNER', 'EDITOR', 'ADMIN')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    expires_at   timestamptz,
    revoked_at   timestamptz
);

CREATE TABLE audit_log (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at           timestamptz NOT NULL DEFAULT now(),
    token_prefix text,
    token_name   text NOT NULL,
    action       text NOT NULL,
    resource_id  bigint REFERENCES resources (id),
    revision     integer,
    detail       text
);

CREATE TABLE scheduled_publications (
    resource_id  bigint PRIMARY KEY REFERENCES resources (id),
    revision     integer NOT NULL,
    publish_at   timestamptz NOT NULL,
    token_prefix text,
    token_name   text NOT NULL
);
CREATE INDEX scheduled_publications_at ON scheduled_publications (publish_at);

ALTER TABLE revisions ADD COLUMN author text;
