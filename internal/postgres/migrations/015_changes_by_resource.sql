-- A resource's change-log rows in order: webhooks look up the revision the
-- public saw before an event (breaker5 F18: an endpoint filtered by topic
-- hears the change that takes a resource out of its topics).
CREATE INDEX changes_resource_seq ON changes (resource_id, seq);
