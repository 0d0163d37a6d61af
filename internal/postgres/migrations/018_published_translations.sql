-- The translation rules hold from both sides (breaker7 F6; README
-- "Editors"): among published resources, whose live revisions say what
-- they translate,
--
-- * a translation's original is not itself a translation (no chains,
--   hence no cycles) and not the translation itself;
-- * a translation differs in language from its original (so an original
--   cannot take the language of one of its published translations).
--
-- The API and the import check this in Go first to give a precise message
-- (content.Draft.CheckLinks, the import's settle); this trigger makes it
-- hold on every door (publish, scheduled publication, import) and against
-- races under READ COMMITTED, as migration 016 does for links: a statement
-- that changes live revisions takes FOR SHARE locks on the originals the
-- new live revisions name, then reads every pair that touches them in a
-- fresh snapshot. Two editors racing (A becomes a translation of B while B
-- becomes one of A; an original changes language while a translation in
-- that language is published) either deadlock (one is retried and then
-- refused) or wait for each other's row (the later one sees the earlier).
-- A withdrawal takes a resource out of the published set and cannot break
-- these rules.
--
-- Violations raise integrity_constraint_violation (23000) with the
-- constraint name published_translations and the pairs as
-- "translation -> original (why)" in DETAIL.

CREATE FUNCTION check_published_translations() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    changed text[];
    bad     text;
BEGIN
    SELECT array_agg(n.slug) INTO changed
    FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE n.status = 'PUBLISHED' AND (o.status <> 'PUBLISHED' OR o.published_revision IS DISTINCT FROM n.published_revision);
    IF changed IS NULL THEN
        RETURN NULL;
    END IF;
    PERFORM 1 FROM resources r
    WHERE r.slug IN (SELECT v.translation_of FROM resources c
        JOIN revisions v ON v.resource_id = c.id AND v.revision = c.published_revision
        WHERE c.slug = ANY (changed) AND v.translation_of IS NOT NULL)
    ORDER BY r.id FOR SHARE;

    -- Every published pair (translation t, original o) with either side
    -- among the changed resources, read in a fresh snapshot.
    SELECT string_agg(x, ', ') INTO bad FROM (
        SELECT DISTINCT x FROM (
            SELECT t.slug AS ts, tv.language AS tl, tv.translation_of AS os
            FROM resources t JOIN revisions tv ON tv.resource_id = t.id AND tv.revision = t.published_revision
            WHERE t.slug = ANY (changed) AND t.status = 'PUBLISHED' AND tv.translation_of IS NOT NULL
            UNION
            SELECT t.slug, tv.language, tv.translation_of
            FROM revisions tv JOIN resources t ON t.id = tv.resource_id AND tv.revision = t.published_revision
            WHERE tv.translation_of = ANY (changed) AND t.status = 'PUBLISHED'
        ) p
        JOIN resources o ON o.slug = p.os AND o.status = 'PUBLISHED'
        JOIN revisions ov ON ov.resource_id = o.id AND ov.revision = o.published_revision
        CROSS JOIN LATERAL (SELECT p.ts || ' -> ' || p.os || CASE
            WHEN p.ts = p.os THEN ' (translates itself)'
            WHEN ov.translation_of IS NOT NULL THEN ' (' || p.os || ' is itself a translation of ' || ov.translation_of || ')'
            ELSE ' (both in ' || ov.language || ')' END) AS w(x)
        WHERE p.ts = p.os OR ov.translation_of IS NOT NULL OR lower(ov.language) = lower(p.tl)
        ORDER BY x LIMIT 20) s;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'published translations would break the translation rules (an original is not a translation, and differs in language from its translations): %', bad
            USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = 'published_translations', DETAIL = bad;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER published_translations AFTER UPDATE ON resources
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION check_published_translations();
