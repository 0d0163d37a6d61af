-- The change log serves more readers than the search index: the partner
-- change feed and webhook deliveries. Each row now says what the public saw
-- happen (PUBLISHED, UPDATED, WITHDRAWN) and which revision the public sees
-- after it; an edit only editors can see (a draft, a withdrawn draft that
-- was never public) is DRAFT, which public readers skip.
UPDATE changes c SET action = CASE
    WHEN c.action IN ('published', 'restored') THEN 'PUBLISHED'
    WHEN c.action = 'withdrawn' THEN 'WITHDRAWN'
    WHEN c.action = 'reviewed' AND r.published_revision IS NOT NULL THEN 'UPDATED'
    WHEN c.action = 'created' AND r.origin IS NOT NULL AND r.published_revision IS NOT NULL THEN 'PUBLISHED'
    WHEN c.action = 'updated' AND r.origin IS NOT NULL AND r.published_revision >= c.revision THEN 'UPDATED'
    ELSE 'DRAFT' END
FROM resources r WHERE r.id = c.resource_id;
ALTER TABLE changes ADD CONSTRAINT changes_action CHECK (action IN ('PUBLISHED', 'UPDATED', 'WITHDRAWN', 'DRAFT'));
UPDATE changes SET revision = 0 WHERE revision IS NULL;
ALTER TABLE changes ALTER COLUMN revision SET NOT NULL;
-- Feed readers page through rows in (txid, seq) order.
CREATE INDEX changes_txid_seq ON changes (txid, seq);
DROP INDEX changes_txid;

-- The newest transaction id whose change rows were pruned: a feed cursor at
-- or below it may have missed rows and must start again from the export.
CREATE TABLE change_log_horizon (
    only_row    boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    pruned_txid xid8 NOT NULL DEFAULT '0'
);
INSERT INTO change_log_horizon DEFAULT VALUES;
