-- Bodies compressed with lz4 instead of pglz, PostgreSQL's default (issue
-- 15, lookup by slug). A body of the peer kit's corpus (5 KB of Markdown)
-- is compressed and stored out of line; reading it back decompressed it
-- with pglz, about half of the lookup's own work in PostgreSQL: a lookup
-- of the kit's 200 slugs in a loop (plpgsql, CPU from /proc) took 31 us of
-- backend CPU with pglz and 13-16 us with lz4, which decompresses several
-- times faster (the body takes ~4 % more room).
--
-- Setting the column's compression changes only values written later, so
-- the body is rewritten (body || '' is a new, uncompressed value that the
-- rewrite compresses with lz4): the table is rewritten once, under an
-- exclusive lock, about 12 s at 100,000 revisions on a quiet 2-core machine.
-- A server built without lz4 refuses the method: bodies then stay as they
-- are (pglz), and the migration is still recorded.
SET LOCAL statement_timeout = 0;

DO $$
BEGIN
    ALTER TABLE revisions
        ALTER COLUMN body TYPE text USING body || '',
        ALTER COLUMN body SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'this PostgreSQL has no lz4: bodies stay compressed with pglz';
END
$$;
