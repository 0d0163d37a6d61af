-- No published resource links to one the public cannot see (review6 R7):
-- its live revision's translation_of, related and body links
-- ](/resources/slug) all name PUBLISHED resources. The API and the import
-- check this in Go to give a precise message; this trigger makes it hold
-- on every door (publish, scheduled publication, import, withdrawal) and
-- serialises the doors against each other under READ COMMITTED:
--
-- * a resource made live (or given another live revision) takes FOR SHARE
--   locks on the resources its new links name, then reads their status in
--   a fresh snapshot. A withdrawal of one of them either committed before
--   (the lock waited for it; the read sees it) or waits for this
--   transaction (FOR SHARE conflicts with its UPDATE) and then sees the new
--   link below;
-- * a resource leaving PUBLISHED looks, after its UPDATE holds its row,
--   for published resources whose live revision links to it.
--
-- Violations raise integrity_constraint_violation (23000) with the
-- constraint name published_links and the links as "from -> to" in DETAIL.

CREATE FUNCTION revision_links(rid bigint, rev integer) RETURNS SETOF text
LANGUAGE sql STABLE AS $$
    SELECT translation_of FROM revisions WHERE resource_id = rid AND revision = rev AND translation_of IS NOT NULL
    UNION SELECT unnest(related) FROM revisions WHERE resource_id = rid AND revision = rev
    UNION SELECT (regexp_matches(body, '\]\(/resources/([a-z0-9-]+)\)', 'g'))[1] FROM revisions WHERE resource_id = rid AND revision = rev
$$;

CREATE FUNCTION check_published_links() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    froms text[];
    tos   text[];
    gone  text[];
    bad   text;
BEGIN
    -- Links a statement makes live: those of each new live revision that
    -- the revision live before (if any) did not have.
    SELECT array_agg(n.slug ORDER BY n.slug, l.target), array_agg(l.target ORDER BY n.slug, l.target)
    INTO froms, tos
    FROM new_rows n JOIN old_rows o ON o.id = n.id
    CROSS JOIN LATERAL (
        SELECT t FROM revision_links(n.id, n.published_revision) t
        EXCEPT SELECT t FROM revision_links(o.id, o.published_revision) t WHERE o.status = 'PUBLISHED'
    ) l(target)
    WHERE n.status = 'PUBLISHED' AND (o.status <> 'PUBLISHED' OR o.published_revision IS DISTINCT FROM n.published_revision);
    IF froms IS NOT NULL THEN
        PERFORM 1 FROM resources WHERE slug = ANY (tos) ORDER BY id FOR SHARE;
        SELECT string_agg(DISTINCT p.f || ' -> ' || p.t, ', ') INTO bad
        FROM unnest(froms, tos) AS p(f, t)
        WHERE NOT EXISTS (SELECT 1 FROM resources r WHERE r.slug = p.t AND r.status = 'PUBLISHED');
        IF bad IS NOT NULL THEN
            RAISE EXCEPTION 'a published resource would link to one the public cannot see (a draft, withdrawn or missing): %', bad
                USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = 'published_links', DETAIL = bad;
        END IF;
    END IF;

    -- Resources a statement takes out of public view.
    SELECT array_agg(o.slug) INTO gone
    FROM old_rows o JOIN new_rows n ON n.id = o.id
    WHERE o.status = 'PUBLISHED' AND n.status <> 'PUBLISHED';
    IF gone IS NOT NULL THEN
        IF cardinality(gone) <= 16 THEN
            -- A few (the API's withdrawal): a scan of live revisions per slug.
            SELECT string_agg(x, ', ') INTO bad FROM (
                SELECT r.slug || ' -> ' || g.slug AS x
                FROM unnest(gone) AS g(slug)
                JOIN resources r ON r.status = 'PUBLISHED'
                JOIN revisions v ON v.resource_id = r.id AND v.revision = r.published_revision
                WHERE v.translation_of = g.slug OR g.slug = ANY (v.related)
                    OR strpos(v.body, '](/resources/' || g.slug || ')') > 0
                ORDER BY 1 LIMIT 20) s;
        ELSE
            -- Many (an import's prune): the links of every live revision once.
            SELECT string_agg(x, ', ') INTO bad FROM (
                SELECT DISTINCT r.slug || ' -> ' || l.target AS x
                FROM resources r
                CROSS JOIN LATERAL revision_links(r.id, r.published_revision) l(target)
                WHERE r.status = 'PUBLISHED' AND l.target = ANY (gone)
                ORDER BY 1 LIMIT 20) s;
        END IF;
        IF bad IS NOT NULL THEN
            RAISE EXCEPTION 'published resources link to a resource leaving public view: %', bad
                USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = 'published_links', DETAIL = bad;
        END IF;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER published_links AFTER UPDATE ON resources
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION check_published_links();
