-- Migration 018's trigger locked the original of every translation a
-- statement republished, even one naming the same original in the same
-- language as before: more share locks than migration 016 takes, and so
-- more deadlocks between editors (TestPublishWithdrawScheduleNeverLeave-
-- DanglingLinks saw a publish deadlock three times running). A
-- republication with the same original and language stands to it as the
-- revision before did, so only originals that changed rows newly name, or
-- name in a new language, are locked now. The rules checked are those of
-- 018.

CREATE OR REPLACE FUNCTION check_published_translations() RETURNS trigger
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
    -- Lock the originals that changed rows newly name, or name with a
    -- changed language (a republication with the same original and
    -- language stands to it as the revision before did, and takes no
    -- lock, so that no more deadlocks arise than before).
    PERFORM 1 FROM resources r
    WHERE r.slug IN (SELECT v.translation_of FROM new_rows n JOIN old_rows o ON o.id = n.id
        JOIN revisions v ON v.resource_id = n.id AND v.revision = n.published_revision
        LEFT JOIN revisions ov ON o.status = 'PUBLISHED' AND ov.resource_id = o.id AND ov.revision = o.published_revision
        WHERE n.slug = ANY (changed) AND v.translation_of IS NOT NULL
            AND (ov.resource_id IS NULL OR ov.translation_of IS DISTINCT FROM v.translation_of OR lower(ov.language) <> lower(v.language)))
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
