-- Imports in batches: each batch writes its files' revisions in its own
-- transaction, invisible to the public, and records them here; the import's
-- last transaction publishes every staged row at once (so a library appears
-- whole or not at all) and deletes them. Rows left by an interrupted import
-- let the next import of the same files resume instead of writing them again.
CREATE TABLE import_staging (
    resource_id  bigint PRIMARY KEY REFERENCES resources (id),
    -- The revision the commit makes live: the new one, or for a file that
    -- only moved or came back (same bytes) the one already there.
    revision     integer NOT NULL,
    -- The file (absolute path) and the SHA-256 of the bytes staged.
    path         text NOT NULL,
    hash         text NOT NULL,
    kind         text NOT NULL,
    -- The file is published (not status: draft).
    publish      boolean NOT NULL,
    -- The resource row itself was made by this staging (a new slug).
    created      boolean NOT NULL,
    -- revision was written by this staging (false: moved or restored only).
    new_revision boolean NOT NULL,
    staged_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX import_staging_path ON import_staging (path);
