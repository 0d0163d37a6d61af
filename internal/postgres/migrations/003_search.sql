-- Search support: readers of the change log look rows up by transaction id;
-- reindex requests reach every replica; zero-result queries (term and count
-- only, never who asked) show editors what the library lacks.
CREATE INDEX changes_txid ON changes (txid);
CREATE INDEX changes_created_at ON changes (created_at);

CREATE TABLE reindex_requests (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    requested_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE zero_result_queries (
    term       text PRIMARY KEY,
    count      bigint NOT NULL DEFAULT 1,
    first_seen date NOT NULL DEFAULT current_date,
    last_seen  date NOT NULL DEFAULT current_date
);
