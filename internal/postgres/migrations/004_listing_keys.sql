-- Listing keys on resources, copied from the published revision, so that a
-- page of a list is read in index order instead of sorting every row.
ALTER TABLE resources ADD COLUMN published_at date;
ALTER TABLE resources ADD COLUMN title_key text;

UPDATE resources r SET published_at = v.published_at, title_key = lower(v.title)
FROM revisions v WHERE v.resource_id = r.id AND v.revision = r.published_revision;

CREATE INDEX resources_list_published ON resources (published_at DESC, id DESC) WHERE status = 'PUBLISHED';
CREATE INDEX resources_list_updated ON resources (updated_at DESC, id DESC) WHERE status = 'PUBLISHED';
CREATE INDEX resources_list_title ON resources (title_key, id) WHERE status = 'PUBLISHED';
CREATE INDEX resources_status ON resources (status);
