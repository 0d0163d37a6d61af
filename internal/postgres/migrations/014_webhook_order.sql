-- breaker5 F5: a withdraw and a re-publish of one resource reached an
-- endpoint as "published" then "withdrawn" (both revision 3): deliveries
-- were sent concurrently in any order. A delivery now names its resource,
-- and one is sent only when no earlier delivery of the same resource to the
-- same endpoint is still pending.
ALTER TABLE webhook_deliveries ADD COLUMN resource_id bigint;
CREATE INDEX webhook_deliveries_pending_resource ON webhook_deliveries (endpoint_id, resource_id, id) WHERE status = 'PENDING';
