package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"guidancehub/internal/content"
)

const endpointColumns = `id, url, events, kinds, topics, description, enabled, coalesce(disabled_reason, ''), disabled_at, created_at, created_by`

func scanEndpoint(row pgx.CollectableRow) (*content.WebhookEndpoint, error) {
	var e content.WebhookEndpoint
	err := row.Scan(&e.ID, &e.URL, &e.Events, &e.Kinds, &e.Topics, &e.Description, &e.Enabled, &e.DisabledReason, &e.DisabledAt, &e.CreatedAt, &e.CreatedBy)
	return &e, err
}

// CreateWebhookEndpoint stores an endpoint with its signing key; in must
// be validated already.
func (db *DB) CreateWebhookEndpoint(ctx context.Context, in content.WebhookEndpointInput, secret []byte, by string) (*content.WebhookEndpoint, error) {
	rows, _ := db.pool.Query(ctx, `INSERT INTO webhook_endpoints (url, secret, events, kinds, topics, description, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING `+endpointColumns,
		in.URL, secret, in.Events, nonNil(in.Kinds), nonNil(in.Topics), in.Description, by)
	e, err := pgx.CollectExactlyOneRow(rows, scanEndpoint)
	if err != nil {
		return nil, fmt.Errorf("create webhook endpoint: %w", domainError(err))
	}
	return e, nil
}

// WebhookEndpoints lists every endpoint, oldest first.
func (db *DB) WebhookEndpoints(ctx context.Context) ([]*content.WebhookEndpoint, error) {
	rows, _ := db.pool.Query(ctx, `SELECT `+endpointColumns+` FROM webhook_endpoints ORDER BY id`)
	es, err := pgx.CollectRows(rows, scanEndpoint)
	if err != nil {
		return nil, fmt.Errorf("webhook endpoints: %w", domainError(err))
	}
	return es, nil
}

// SetWebhookEndpointEnabled enables or disables an endpoint (reason says
// why, for a disable). Enabling clears the failure record. Disabling gives
// up its pending deliveries (FAILED, last error "endpoint disabled: "
// and the reason) in the same transaction: nothing is sent to a disabled
// endpoint, and events committed while it is disabled are not queued for
// it, so a receiver catches up from the change feed (data.cursor of the
// last event it got) once enabled again (breaker5 F38: they stayed
// PENDING for ever and hub_webhook_oldest_pending_seconds grew).
// ENOTFOUND if there is no such endpoint.
func (db *DB) SetWebhookEndpointEnabled(ctx context.Context, id int64, enabled bool, reason string) (*content.WebhookEndpoint, error) {
	var e *content.WebhookEndpoint
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `UPDATE webhook_endpoints SET enabled = $2,
			disabled_reason = CASE WHEN $2 THEN NULL ELSE $3 END, disabled_at = CASE WHEN $2 THEN NULL ELSE now() END,
			failing_since = NULL WHERE id = $1 RETURNING `+endpointColumns, id, enabled, reason)
		var err error
		if e, err = pgx.CollectExactlyOneRow(rows, scanEndpoint); err != nil {
			return err
		}
		return failDisabledDeliveries(ctx, tx, id)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, content.Errorf(content.ENOTFOUND, "no webhook endpoint with that id")
	} else if err != nil {
		return nil, fmt.Errorf("set webhook endpoint: %w", domainError(err))
	}
	return e, nil
}

// failDisabledDeliveries gives up the pending deliveries of endpoint id
// if it is disabled (see SetWebhookEndpointEnabled).
func failDisabledDeliveries(ctx context.Context, tx pgx.Tx, id int64) error {
	_, err := tx.Exec(ctx, `UPDATE webhook_deliveries d SET status = 'FAILED',
		last_error = 'endpoint disabled: ' || coalesce(e.disabled_reason, 'no reason given')
		FROM webhook_endpoints e WHERE e.id = $1 AND NOT e.enabled AND d.endpoint_id = e.id AND d.status = 'PENDING'`, id)
	return err
}

const deliveryColumns = `id, endpoint_id, msg_id, event_type, payload, event_at, created_at, status, attempts, next_attempt_at,
	last_attempt_at, last_status, coalesce(last_error, ''), delivered_at`

func scanDelivery(row pgx.CollectableRow) (content.WebhookDelivery, error) {
	var d content.WebhookDelivery
	err := row.Scan(&d.ID, &d.EndpointID, &d.MsgID, &d.EventType, &d.Payload, &d.EventAt, &d.CreatedAt, &d.Status, &d.Attempts,
		&d.NextAttemptAt, &d.LastAttemptAt, &d.LastStatus, &d.LastError, &d.DeliveredAt)
	return d, err
}

// WebhookDeliveries returns an endpoint's newest deliveries, up to limit.
func (db *DB) WebhookDeliveries(ctx context.Context, endpointID int64, limit int) ([]content.WebhookDelivery, error) {
	rows, _ := db.pool.Query(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries WHERE endpoint_id = $1 ORDER BY id DESC LIMIT $2`, endpointID, limit)
	ds, err := pgx.CollectRows(rows, scanDelivery)
	if err != nil {
		return nil, fmt.Errorf("webhook deliveries: %w", domainError(err))
	}
	return ds, nil
}

// EnqueueWebhook adds one delivery to one endpoint (a test event), due now.
// ENOTFOUND if there is no such endpoint; ECONFLICT if it is disabled
// (nothing is sent to a disabled endpoint: the delivery would wait for
// ever, breaker5 F38).
func (db *DB) EnqueueWebhook(ctx context.Context, endpointID int64, msgID, eventType string, payload []byte) (*content.WebhookDelivery, error) {
	rows, _ := db.pool.Query(ctx, `INSERT INTO webhook_deliveries (endpoint_id, msg_id, event_type, payload, event_at)
		SELECT id, $2, $3, $4, now() FROM webhook_endpoints WHERE id = $1 AND enabled RETURNING `+deliveryColumns, endpointID, msgID, eventType, string(payload))
	d, err := pgx.CollectExactlyOneRow(rows, scanDelivery)
	if errors.Is(err, pgx.ErrNoRows) {
		var exists bool
		if err := db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT FROM webhook_endpoints WHERE id = $1)`, endpointID).Scan(&exists); err != nil {
			return nil, fmt.Errorf("enqueue webhook: %w", domainError(err))
		}
		if exists {
			return nil, &content.Error{Code: content.ECONFLICT, Field: "id",
				Message: "the endpoint is disabled and is sent nothing: enable it with setWebhookEndpointEnabled first"}
		}
		return nil, content.Errorf(content.ENOTFOUND, "no webhook endpoint with that id")
	} else if err != nil {
		return nil, fmt.Errorf("enqueue webhook: %w", domainError(err))
	}
	if _, err := db.pool.Exec(ctx, `SELECT pg_notify($1, 'webhook')`, ChangeChannel); err != nil {
		return nil, fmt.Errorf("enqueue webhook: %w", domainError(err))
	}
	return &d, nil
}

// webhookReader names the webhooks' position in change_readers.
const webhookReader = "webhooks"

// ConsumeChanges is the change log's general reader with a durable
// position: it moves the reader called name on by up to limit public
// events, calling fn with them inside the transaction that stores the new
// position, so that whatever fn writes happens once per event (exactly
// once, for writes in tx). One process at a time moves a reader: the
// others find its row locked and return 0 at once. A reader seen for the
// first time starts at the present; one that was away longer than the
// change log's retention goes on from the present (what was pruned is
// lost to it). It returns the number of events read. The search index is
// the other kind of consumer: it keeps its position in its own index.
func (db *DB) ConsumeChanges(ctx context.Context, name string, limit int, fn func(ctx context.Context, tx pgx.Tx, events []content.ChangeEvent) error) (int, error) {
	n := 0
	err := pgx.BeginTxFunc(ctx, db.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead}, func(tx pgx.Tx) error {
		var text string
		err := tx.QueryRow(ctx, `SELECT position FROM change_readers WHERE name = $1 FOR UPDATE SKIP LOCKED`, name).Scan(&text)
		if errors.Is(err, pgx.ErrNoRows) {
			// Absent, or another process holds it: start it at the present
			// if absent; either way nothing to do now.
			pos, err := changeFeedAt(ctx, tx)
			if err != nil {
				return err
			}
			_, err = tx.Exec(ctx, `INSERT INTO change_readers (name, position) VALUES ($1, $2) ON CONFLICT DO NOTHING`, name, pos.Encode())
			return err
		} else if err != nil {
			return err
		}
		pos, err := content.DecodeChangePosition(text)
		if err != nil {
			return fmt.Errorf("change reader %s position %q: %w", name, text, err)
		}
		page, err := readFeed(ctx, tx, &pos, limit)
		if content.ErrorCode(err) == content.EEXPIRED {
			page = &content.ChangePage{}
			if page.Next, err = changeFeedAt(ctx, tx); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
		if len(page.Events) > 0 {
			if err := fn(ctx, tx, page.Events); err != nil {
				return err
			}
		}
		n = len(page.Events)
		_, err = tx.Exec(ctx, `UPDATE change_readers SET position = $2 WHERE name = $1`, name, page.Next.Encode())
		return err
	})
	if err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "40001" {
			return 0, nil // another process moved the reader meanwhile
		}
		return 0, fmt.Errorf("consume changes (%s): %w", name, domainError(err))
	}
	return n, nil
}

// FanOutChanges moves the webhooks' reader on by up to limit public
// events (ConsumeChanges), writing one delivery per event and matching
// enabled endpoint (registered before the event) in the same transaction,
// so that each event is fanned out once. An endpoint filtered by topics
// matches an event when the revision it names has one of them, or the
// revision the public saw before it did (breaker5 F18): it hears the
// update that takes a resource out of its topics, and the withdrawal of a
// resource it was sent. build makes an event's type,
// message id and payload. It returns the number of events read.
func (db *DB) FanOutChanges(ctx context.Context, limit int, build func(content.ChangeEvent) (eventType, msgID string, payload []byte, err error)) (int, error) {
	return db.ConsumeChanges(ctx, webhookReader, limit, func(ctx context.Context, tx pgx.Tx, events []content.ChangeEvent) error {
		for _, ev := range events {
			typ, msgID, payload, err := build(ev)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO webhook_deliveries (endpoint_id, msg_id, event_type, payload, event_at, resource_id)
				SELECT e.id, $1, $2, $3, $4, $7 FROM webhook_endpoints e
				WHERE e.enabled AND $5 = ANY(e.events) AND e.created_at <= $4
				  AND (cardinality(e.kinds) = 0 OR $6 = ANY(e.kinds))
				  AND (cardinality(e.topics) = 0 OR e.topics && (SELECT topics FROM revisions WHERE resource_id = $7 AND revision = $8)
				    OR e.topics && (SELECT v.topics FROM changes c JOIN revisions v ON v.resource_id = c.resource_id AND v.revision = c.revision
				      WHERE c.resource_id = $7 AND c.seq < $9 AND c.action IN ('PUBLISHED', 'UPDATED') ORDER BY c.seq DESC LIMIT 1))
				ON CONFLICT (endpoint_id, msg_id) DO NOTHING`,
				msgID, typ, string(payload), ev.CreatedAt, string(ev.Action), string(ev.Kind), ev.ResourceID, ev.Revision, ev.Seq); err != nil {
				return err
			}
		}
		return nil
	})
}

// ClaimWebhooks takes up to limit due deliveries of enabled endpoints for
// this process: each is leased (its next attempt moved lease ahead) in one
// statement with SKIP LOCKED, so replicas never claim the same delivery,
// and a process that dies mid-send leaves it to be retried when the lease
// ends. A delivery about a resource is claimed only when no earlier one
// about the same resource to the same endpoint is pending (being sent, or
// waiting for a retry): an endpoint gets one resource's events in the
// order they were committed, each after the previous one was delivered or
// given up (breaker5 F5). Deliveries are numbered in fan-out order, which
// is commit order (the change log is read by transaction).
//
// The NOT EXISTS reads the snapshot of the statement: a delivery leased
// by another process is still PENDING in it, so the later one waits.
func (db *DB) ClaimWebhooks(ctx context.Context, limit int, lease time.Duration) ([]content.WebhookAttempt, error) {
	rows, _ := db.pool.Query(ctx, `WITH due AS (
			SELECT d.id FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
			WHERE d.status = 'PENDING' AND d.next_attempt_at <= now() AND e.enabled
			  AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p WHERE p.endpoint_id = d.endpoint_id
				AND p.resource_id = d.resource_id AND p.status = 'PENDING' AND p.id < d.id)
			ORDER BY d.next_attempt_at, d.id LIMIT $1 FOR UPDATE OF d SKIP LOCKED
		)
		UPDATE webhook_deliveries d SET next_attempt_at = now() + make_interval(secs => $2)
		FROM due, webhook_endpoints e WHERE d.id = due.id AND e.id = d.endpoint_id
		RETURNING d.id, d.endpoint_id, d.msg_id, d.event_type, d.payload, d.event_at, d.created_at, d.status, d.attempts, d.next_attempt_at,
			d.last_attempt_at, d.last_status, coalesce(d.last_error, ''), d.delivered_at, e.url, e.secret`, limit, lease.Seconds())
	as, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (content.WebhookAttempt, error) {
		var a content.WebhookAttempt
		d := &a.WebhookDelivery
		err := row.Scan(&d.ID, &d.EndpointID, &d.MsgID, &d.EventType, &d.Payload, &d.EventAt, &d.CreatedAt, &d.Status, &d.Attempts,
			&d.NextAttemptAt, &d.LastAttemptAt, &d.LastStatus, &d.LastError, &d.DeliveredAt, &a.URL, &a.Secret)
		return a, err
	})
	if err != nil {
		return nil, fmt.Errorf("claim webhooks: %w", domainError(err))
	}
	return as, nil
}

// ReleaseWebhook gives a claimed delivery back (due now) when its process
// stops before the attempt ended, so another need not wait for the lease.
func (db *DB) ReleaseWebhook(ctx context.Context, id int64) error {
	if _, err := db.pool.Exec(ctx, `UPDATE webhook_deliveries SET next_attempt_at = now() WHERE id = $1 AND status = 'PENDING'`, id); err != nil {
		return fmt.Errorf("release webhook: %w", domainError(err))
	}
	return nil
}

// RecordWebhookAttempt stores an attempt's outcome. A failure marks the
// endpoint failing (from the first failure after a success); an endpoint
// failing for longer than disableAfter, or answered 410 Gone, is disabled
// with the reason. A success clears the failure mark.
func (db *DB) RecordWebhookAttempt(ctx context.Context, a *content.WebhookAttempt, o content.WebhookOutcome, disableAfter time.Duration) error {
	status := content.DeliveryPending
	switch {
	case o.Delivered:
		status = content.DeliveryDelivered
	case o.Next == nil || o.Gone:
		status = content.DeliveryFailed
	}
	var code *int
	if o.Status != 0 {
		code = &o.Status
	}
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE webhook_deliveries SET status = $2, attempts = attempts + 1, last_attempt_at = now(),
			last_status = $3, last_error = nullif($4, ''), next_attempt_at = coalesce($5, next_attempt_at),
			delivered_at = CASE WHEN $2 = 'DELIVERED' THEN now() END WHERE id = $1`, a.ID, status, code, o.Error, o.Next); err != nil {
			return err
		}
		if o.Delivered {
			_, err := tx.Exec(ctx, `UPDATE webhook_endpoints SET failing_since = NULL WHERE id = $1 AND failing_since IS NOT NULL`, a.EndpointID)
			if err != nil {
				return err
			}
			return failDisabledDeliveries(ctx, tx, a.EndpointID)
		}
		reason := fmt.Sprintf("every delivery failed for %s; last: %s", disableAfter, o.Error)
		if o.Gone {
			reason = "the receiver answered 410 Gone"
		}
		_, err := tx.Exec(ctx, `UPDATE webhook_endpoints SET failing_since = coalesce(failing_since, now()),
			enabled = CASE WHEN $2 OR coalesce(failing_since, now()) < now() - make_interval(secs => $3) THEN false ELSE enabled END,
			disabled_reason = CASE WHEN enabled AND ($2 OR coalesce(failing_since, now()) < now() - make_interval(secs => $3)) THEN $4 ELSE disabled_reason END,
			disabled_at = CASE WHEN enabled AND ($2 OR coalesce(failing_since, now()) < now() - make_interval(secs => $3)) THEN now() ELSE disabled_at END
			WHERE id = $1`, a.EndpointID, o.Gone, disableAfter.Seconds(), reason)
		if err != nil {
			return err
		}
		// Disabled now (410, 24 hours of failures) or by an admin while
		// this attempt was under way: give up what is left.
		return failDisabledDeliveries(ctx, tx, a.EndpointID)
	})
	if err != nil {
		return fmt.Errorf("record webhook attempt: %w", domainError(err))
	}
	return nil
}

// ChangeReaderLags returns, for each durable change-log reader (the
// webhook fan-out, "webhooks"), the age at now of the oldest public change
// it has not read yet: 0 when it is caught up. A reader that stops moving
// (breaker3 F10: stuck at the 1,000th change of one transaction) shows a
// lag that grows. A reader whose position fell out of retention is left
// out: its next read starts again from the present.
func (db *DB) ChangeReaderLags(ctx context.Context, now time.Time) (map[string]time.Duration, error) {
	out := map[string]time.Duration{}
	err := pgx.BeginTxFunc(ctx, db.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `SELECT name, position FROM change_readers ORDER BY name`)
		type reader struct{ name, position string }
		rs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (reader, error) {
			var r reader
			return r, row.Scan(&r.name, &r.position)
		})
		if err != nil {
			return err
		}
		for _, r := range rs {
			pos, err := content.DecodeChangePosition(r.position)
			if err != nil {
				return fmt.Errorf("change reader %s position %q: %w", r.name, r.position, err)
			}
			page, err := readFeed(ctx, tx, &pos, 1)
			switch {
			case content.ErrorCode(err) == content.EEXPIRED:
				continue
			case err != nil:
				return err
			case len(page.Events) > 0:
				out[r.name] = max(now.Sub(page.Events[0].CreatedAt), 0)
			case !page.Waiting.IsZero():
				// Nothing deliverable now (a long-open writing
				// transaction capped the page), yet changes wait: that
				// is a stall too (review4 R16).
				out[r.name] = max(now.Sub(page.Waiting), 0)
			default:
				out[r.name] = 0
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("change reader lags: %w", domainError(err))
	}
	return out, nil
}

// PendingWebhooks returns the number of webhook deliveries of enabled
// endpoints not yet delivered or given up, and when the oldest of them was
// made (zero when there is none). A disabled endpoint's deliveries are
// given up when it is disabled; any left from before that rule are not
// counted (breaker5 F38).
func (db *DB) PendingWebhooks(ctx context.Context) (int, time.Time, error) {
	var n int
	var oldest *time.Time
	if err := db.pool.QueryRow(ctx, `SELECT count(*), min(d.created_at) FROM webhook_deliveries d
		JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.enabled WHERE d.status = 'PENDING'`).Scan(&n, &oldest); err != nil {
		return 0, time.Time{}, fmt.Errorf("pending webhooks: %w", domainError(err))
	}
	if oldest == nil {
		return n, time.Time{}, nil
	}
	return n, *oldest, nil
}
