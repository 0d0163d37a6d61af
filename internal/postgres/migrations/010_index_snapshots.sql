-- Search index snapshots, so that a new replica (sharing only PostgreSQL
-- with the others) restores an index and catches up from the change log
-- instead of rebuilding it from every resource. One row per snapshot; its
-- chunks are written each in a short transaction (a long one would hold
-- back every change-log reader's watermark) and the row is marked complete
-- last: readers see only complete snapshots, and the next writer deletes
-- what a writer that died midway left. See internal/search/snapshot.go.
CREATE TABLE index_snapshots (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at      timestamptz NOT NULL DEFAULT now(),
    -- The index mapping version it was built with (search.MappingVersion):
    -- a replica restores only its own.
    mapping_version text NOT NULL,
    -- The change-log position it reflects (at least): a reader starts from
    -- here. Useless once the log is pruned past it (change_log_horizon).
    watermark       xid8 NOT NULL,
    -- The newest reindex request the index had carried out.
    reindex         bigint NOT NULL,
    documents       bigint NOT NULL,
    bytes           bigint NOT NULL,
    -- [{"name": "store/….zap", "size": n, "sha256": "hex"}, …]
    files           jsonb NOT NULL,
    complete        boolean NOT NULL DEFAULT false
);

-- The files' bytes, in chunks of at most 1 MiB in order. Zap segments are
-- mostly compressed already: stored without compression (EXTERNAL) so
-- writing them costs no CPU.
CREATE TABLE index_snapshot_chunks (
    snapshot_id bigint NOT NULL REFERENCES index_snapshots (id) ON DELETE CASCADE,
    file        text NOT NULL,
    seq         integer NOT NULL,
    data        bytea NOT NULL,
    PRIMARY KEY (snapshot_id, file, seq)
);
ALTER TABLE index_snapshot_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
