-- Body links to resources as a reader's page has them (breaker7 F1): the
-- trigger of 016 and revision_links read only `](/resources/slug)` written
-- exactly, so a resource linked by a reference definition, with a title,
-- `<...>`, `#fragment`, `?query` or a trailing slash could be withdrawn
-- under a live page that links to it. resource_link_pattern() is
-- content.ResourceLinkPattern (TestLinkPatternIsGos compares them).

CREATE FUNCTION resource_link_pattern() RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT $p$(?:\]\(\s*<?|\]:[ \t]*<?)/resources/([a-z0-9-]+)(?:[)>#?/\s"']|$)$p$::text $$;

CREATE OR REPLACE FUNCTION revision_links(rid bigint, rev integer) RETURNS SETOF text
LANGUAGE sql STABLE AS $$
    SELECT translation_of FROM revisions WHERE resource_id = rid AND revision = rev AND translation_of IS NOT NULL
    UNION SELECT unnest(related) FROM revisions WHERE resource_id = rid AND revision = rev
    UNION SELECT (regexp_matches(body, resource_link_pattern(), 'g'))[1] FROM revisions WHERE resource_id = rid AND revision = rev
$$;

CREATE OR REPLACE FUNCTION check_published_links() RETURNS trigger
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
                    OR (strpos(v.body, '/resources/' || g.slug) > 0
                        AND EXISTS (SELECT 1 FROM regexp_matches(v.body, resource_link_pattern(), 'g') m WHERE m[1] = g.slug))
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
