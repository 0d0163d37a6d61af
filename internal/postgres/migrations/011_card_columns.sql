-- A resource's card (the fields a list of resources shows: kind, slug,
-- title, summary, topics, language, date of publication) copied from its
-- published revision onto the resource, so that a page of a list reads one
-- index and one heap row per resource instead of joining each row to
-- revisions: at 100,000 resources 24 buffers instead of 67, and about a
-- third of the PostgreSQL CPU of a page (issue 15).
--
-- Triggers keep the copy, in the transaction that changes either side, for
-- every writer (editorial publish/withdraw/restore, import, tests, tools):
--   * resources_card (BEFORE INSERT OR UPDATE ON resources) reads the card of
--     NEW.published_revision; none (no published revision, or no such
--     revision) leaves every card column NULL;
--   * revisions_card_insert, revisions_card_delete (once per statement) and
--     revisions_card (per row, UPDATE of a card field) clear card_slug of
--     the resource whose published revision changed, so resources_card
--     reads it again.
-- A resource whose card_slug is NULL has no published revision row, exactly
-- the rows the join to revisions leaves out.
-- The copy rewrites every resource row (about a minute at 100,000 on a
-- loaded machine): no statement timeout for this migration's transaction.
SET LOCAL statement_timeout = 0;

ALTER TABLE resources
    ADD COLUMN card_kind text,
    ADD COLUMN card_slug text,
    ADD COLUMN card_title text,
    ADD COLUMN card_summary text,
    ADD COLUMN card_topics text[],
    ADD COLUMN card_language text,
    ADD COLUMN card_published_at date;

UPDATE resources r SET card_kind = v.kind, card_slug = v.slug, card_title = v.title, card_summary = v.summary,
    card_topics = v.topics, card_language = v.language, card_published_at = v.published_at
FROM revisions v WHERE v.resource_id = r.id AND v.revision = r.published_revision;

CREATE FUNCTION resources_card() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.published_revision IS NULL THEN
        NEW.card_kind := NULL; NEW.card_slug := NULL; NEW.card_title := NULL; NEW.card_summary := NULL;
        NEW.card_topics := NULL; NEW.card_language := NULL; NEW.card_published_at := NULL;
        RETURN NEW;
    END IF;
    -- An update that leaves the published revision and the card as they
    -- were keeps the card (most updates of a resource: its status, dates,
    -- latest draft). revisions_card clears card_slug to have it read again.
    IF TG_OP = 'UPDATE' AND NEW.id = OLD.id AND NEW.published_revision = OLD.published_revision AND NEW.card_slug IS NOT NULL
        AND ROW(NEW.card_kind, NEW.card_slug, NEW.card_title, NEW.card_summary, NEW.card_topics, NEW.card_language,
            NEW.card_published_at) IS NOT DISTINCT FROM ROW(OLD.card_kind, OLD.card_slug, OLD.card_title, OLD.card_summary,
            OLD.card_topics, OLD.card_language, OLD.card_published_at) THEN
        RETURN NEW;
    END IF;
    -- No row found sets every target to NULL.
    SELECT v.kind, v.slug, v.title, v.summary, v.topics, v.language, v.published_at
    INTO NEW.card_kind, NEW.card_slug, NEW.card_title, NEW.card_summary, NEW.card_topics, NEW.card_language,
        NEW.card_published_at
    FROM revisions v WHERE v.resource_id = NEW.id AND v.revision = NEW.published_revision;
    RETURN NEW;
END
$$;

CREATE TRIGGER resources_card BEFORE INSERT OR UPDATE ON resources
    FOR EACH ROW EXECUTE FUNCTION resources_card();

-- Inserted and deleted revisions: once per statement (an import copies
-- thousands of revisions in one COPY), over the transition table.
CREATE FUNCTION revisions_card_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE resources r SET card_slug = NULL FROM changed c
    WHERE r.id = c.resource_id AND r.published_revision = c.revision;
    RETURN NULL;
END
$$;

CREATE TRIGGER revisions_card_insert AFTER INSERT ON revisions REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION revisions_card_rows();
CREATE TRIGGER revisions_card_delete AFTER DELETE ON revisions REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION revisions_card_rows();

-- A card field of a revision edited in place (rare: publishing fills in
-- the date of publication): per row, for the columns of a card only.
CREATE FUNCTION revisions_card() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE resources SET card_slug = NULL WHERE id = OLD.resource_id AND published_revision = OLD.revision;
    UPDATE resources SET card_slug = NULL WHERE id = NEW.resource_id AND published_revision = NEW.revision;
    RETURN NULL;
END
$$;

CREATE TRIGGER revisions_card AFTER UPDATE OF resource_id, revision, kind, slug, title, summary, topics, language,
    published_at ON revisions FOR EACH ROW EXECUTE FUNCTION revisions_card();
