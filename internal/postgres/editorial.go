package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"guidancehub/internal/content"
)

// lockScheduler is the advisory lock one replica holds while publishing
// scheduled resources.
const lockScheduler = 7_463_003

// editable is a resource row locked for an edit.
type editable struct {
	id              int64
	slug            string
	status          content.Status
	origin          *string
	latest          int
	published       *int
	withdrawnReason *string
}

func lockResource(ctx context.Context, tx pgx.Tx, id int64) (*editable, error) {
	var e editable
	err := tx.QueryRow(ctx, `SELECT id, slug, status, origin, latest_revision, published_revision, withdrawn_reason
		FROM resources WHERE id = $1 FOR UPDATE`, id).Scan(&e.id, &e.slug, &e.status, &e.origin, &e.latest, &e.published, &e.withdrawnReason)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, content.Errorf(content.ENOTFOUND, "no resource with that id")
	} else if err != nil {
		return nil, err
	}
	if e.origin != nil {
		// The resource's state, not the caller's role, is in the way
		// (CONFLICT; breaker7 F19: FORBIDDEN told an admin to ask for a
		// higher role); the file by its name in the resources directory,
		// not the server's layout.
		return nil, &content.Error{Code: content.ECONFLICT, Field: "id",
			Message: fmt.Sprintf("this resource is managed by the file %s in the resources directory: change the file and import it", filepath.Base(*e.origin))}
	}
	return &e, nil
}

// loadRevision reads a revision's content.
func loadRevision(ctx context.Context, tx rowQuerier, id int64, rev int) (*content.Draft, error) {
	var (
		d                content.Draft
		transOf, transSt *string
		sources, details []byte
	)
	err := tx.QueryRow(ctx, `SELECT kind, slug, title, summary, body, topics, audiences, nations, language, translation_of, translation_status,
		published_at, last_reviewed, next_review, sources, related, details FROM revisions WHERE resource_id = $1 AND revision = $2`, id, rev).
		Scan(&d.Kind, &d.Slug, &d.Title, &d.Summary, &d.Body, &d.Topics, &d.Audiences, &d.Nations, &d.Language, &transOf, &transSt,
			&d.PublishedAt, &d.LastReviewedAt, &d.NextReviewDue, &sources, &d.Related, &details)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, content.FieldErrorf("revision", "no revision %d", rev)
	} else if err != nil {
		return nil, err
	}
	if transOf != nil {
		d.TranslationOf = *transOf
	}
	if transSt != nil {
		d.TranslationStatus = *transSt
	}
	if err := json.Unmarshal(sources, &d.Sources); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(details, &d.Details); err != nil {
		return nil, err
	}
	return &d, nil
}

func audit(ctx context.Context, tx pgx.Tx, p *content.Principal, action string, id int64, rev int, detail string) error {
	_, err := tx.Exec(ctx, `INSERT INTO audit_log (token_prefix, token_name, action, resource_id, revision, detail)
		VALUES (nullif($1, ''), $2, $3, $4, $5, nullif($6, ''))`, p.Prefix, p.Name, action, id, rev, detail)
	return err
}

// mutate runs an edit in one transaction with its change row, audit entry
// and notification, and returns the resource as editors see it, read inside
// that transaction: once the commit succeeds the answer is the committed
// result, even if PostgreSQL dies before another statement could run. When
// the commit itself gets no answer the outcome is unknown, and the client is
// told so (EUNKNOWN) rather than "internal error".
func (db *DB) mutate(ctx context.Context, fn func(tx pgx.Tx) (int64, error)) (*content.Resource, error) {
	fail := func(err error) (*content.Resource, error) {
		var de *content.Error
		if errors.As(err, &de) {
			return nil, err
		}
		return nil, fmt.Errorf("edit: %w", domainError(err))
	}
	tx, id, err := db.run(ctx, fn)
	if err != nil {
		return fail(err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) // after a commit: nothing to do
	if _, err := tx.Exec(ctx, `SELECT pg_notify($1, '')`, ChangeChannel); err != nil {
		return fail(err)
	}
	r, err := editorResourceByID(ctx, tx, id)
	if err != nil {
		return fail(err)
	}
	if db.beforeCommit != nil {
		db.beforeCommit(tx.Conn().PgConn().PID())
	}
	// The commit is not cut short by the client going away: once sent, its
	// answer is the only way to know the outcome.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := tx.Commit(cctx); err != nil {
		return nil, fmt.Errorf("edit: commit: %w", writeError(err,
			"read the resource again (resource or node with editorial { latestRevision }) to see whether this change is there before sending it again"))
	}
	if db.afterCommit != nil {
		db.afterCommit()
	}
	return r, nil
}

// run begins a transaction and runs fn in it. When PostgreSQL breaks a
// deadlock by cancelling this transaction (two editors publishing
// resources that link to each other lock the rows in opposite orders;
// migration 016's share locks), everything was rolled back, so fn is run
// again in a new transaction, up to runAttempts times, after a short
// random pause that grows with each attempt (under load three attempts
// were not always enough: TestTranslationRulesUnderRaces answered
// INTERNAL); a deadlock still there after them is CONFLICT (domainError).
func (db *DB) run(ctx context.Context, fn func(tx pgx.Tx) (int64, error)) (pgx.Tx, int64, error) {
	for attempt := 1; ; attempt++ {
		if attempt > 1 {
			select {
			case <-time.After(time.Duration(attempt*(5+rand.IntN(20))) * time.Millisecond):
			case <-ctx.Done():
				return nil, 0, ctx.Err()
			}
		}
		tx, err := db.pool.Begin(ctx)
		if err != nil {
			return nil, 0, err
		}
		id, err := fn(tx)
		if err == nil {
			return tx, id, nil
		}
		tx.Rollback(context.WithoutCancel(ctx))
		var pgErr *pgconn.PgError
		if attempt < runAttempts && errors.As(err, &pgErr) && (pgErr.Code == "40P01" || pgErr.Code == "40001") {
			continue
		}
		return nil, 0, err
	}
}

// runAttempts is how many times run tries a transaction PostgreSQL
// cancelled to break a deadlock.
const runAttempts = 8

// CreateResource creates a draft.
func (db *DB) CreateResource(ctx context.Context, p *content.Principal, d content.Draft) (*content.Resource, error) {
	if err := d.Validate(false); err != nil {
		return nil, err
	}
	return db.mutate(ctx, func(tx pgx.Tx) (int64, error) {
		var id int64
		err := tx.QueryRow(ctx, `INSERT INTO resources (slug, kind, status, latest_revision) VALUES ($1, $2, 'DRAFT', 1)
			ON CONFLICT (slug) DO NOTHING RETURNING id`, d.Slug, d.Kind).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return 0, &content.Error{Code: content.ECONFLICT, Field: "input.slug", Message: fmt.Sprintf("slug %q is already used", d.Slug)}
		} else if err != nil {
			return 0, err
		}
		if err := writeRevision(ctx, tx, id, 1, &d, nil, nil, p.Name); err != nil {
			return 0, err
		}
		if err := recordChange(ctx, tx, id, 1, content.ActionDraft); err != nil {
			return 0, err
		}
		return id, audit(ctx, tx, p, "create", id, 1, "")
	})
}

// UpdateResource makes a new draft revision from the latest one. seen is
// the revision the editor last saw: if another edit came since, it is a
// conflict, never a silent overwrite. The published revision stays live.
func (db *DB) UpdateResource(ctx context.Context, p *content.Principal, id int64, seen int, in content.ResourceEdit) (*content.Resource, error) {
	return db.mutate(ctx, func(tx pgx.Tx) (int64, error) {
		e, err := lockResource(ctx, tx, id)
		if err != nil {
			return 0, err
		}
		if seen > e.latest || seen < 1 {
			return 0, &content.Error{Code: content.ECONFLICT, Field: "revision",
				Message: fmt.Sprintf("there is no revision %d: the latest is %d; reload the resource and apply your edit to it", seen, e.latest)}
		}
		if seen != e.latest {
			return 0, &content.Error{Code: content.ECONFLICT, Field: "revision",
				Message: fmt.Sprintf("the resource has changed since revision %d (it is now at %d): reload it and apply your edit again", seen, e.latest)}
		}
		d, err := loadRevision(ctx, tx, id, e.latest)
		if err != nil {
			return 0, err
		}
		next := in.Apply(*d)
		if next.Slug != e.slug {
			return 0, content.FieldErrorf("input.slug", "cannot change: a resource's slug is its identity")
		}
		if next.Kind != d.Kind && e.published != nil {
			return 0, content.FieldErrorf("input.kind", "cannot change once published")
		}
		if err := next.Validate(false); err != nil {
			return 0, err
		}
		rev := e.latest + 1
		if err := writeRevision(ctx, tx, id, rev, &next, nil, nil, p.Name); err != nil {
			return 0, err
		}
		if _, err := tx.Exec(ctx, `UPDATE resources SET latest_revision = $2, kind = $3 WHERE id = $1`, id, rev, next.Kind); err != nil {
			return 0, err
		}
		if err := recordChange(ctx, tx, id, rev, content.ActionDraft); err != nil {
			return 0, err
		}
		return id, audit(ctx, tx, p, "update", id, rev, "")
	})
}

// PublishResource publishes the latest revision now, or schedules it.
func (db *DB) PublishResource(ctx context.Context, p *content.Principal, id int64, at *time.Time) (*content.Resource, error) {
	return db.mutate(ctx, func(tx pgx.Tx) (int64, error) {
		e, err := lockResource(ctx, tx, id)
		if err != nil {
			return 0, err
		}
		d, err := loadRevision(ctx, tx, id, e.latest)
		if err != nil {
			return 0, err
		}
		if e.status == content.StatusPublished && e.published != nil && *e.published == e.latest {
			// Nothing to publish: README's CONFLICT for a resource already
			// in that state (as withdrawing a withdrawn one is).
			return 0, &content.Error{Code: content.ECONFLICT, Message: fmt.Sprintf("the resource is already published and has no newer draft (revision %d is live)", e.latest)}
		}
		if err := d.Validate(true); err != nil {
			return 0, err
		}
		now := at == nil || !at.After(time.Now().Add(time.Second))
		var before *time.Time
		if !now {
			before = at
		}
		if err := checkLinks(ctx, tx, d, now, before); err != nil {
			return 0, err
		}
		if !now {
			if _, err := tx.Exec(ctx, `INSERT INTO scheduled_publications (resource_id, revision, publish_at, token_prefix, token_name)
				VALUES ($1, $2, $3, nullif($4, ''), $5) ON CONFLICT (resource_id) DO UPDATE
				SET revision = $2, publish_at = $3, token_prefix = nullif($4, ''), token_name = $5`, id, e.latest, *at, p.Prefix, p.Name); err != nil {
				return 0, err
			}
			return id, audit(ctx, tx, p, "schedule", id, e.latest, "publish at "+at.UTC().Format(time.RFC3339))
		}
		return id, publishNow(ctx, tx, p, e, "publish")
	})
}

// checkLinks refuses to publish a draft whose translationOf, related or
// body links name a resource the public cannot see, or that breaks the
// translation rules from either side (a chain or cycle of translations, a
// translation in its original's language, an original in the language of
// one of its published translations): the rules the import applies to
// files (content.Draft.CheckLinks; breaker5 F7, breaker7 F6). The first
// problem is returned, naming the field under "input." as Validate does.
//
// When lock is set (a publication now), the original a translation names
// is locked FOR SHARE before it is read, and the caller holds the draft's
// own row FOR UPDATE (lockResource), so a concurrent publication that
// names this resource (a new translation) or that changes the original
// this draft names (its language, its being a translation) either
// committed before the read (and is seen) or waits for this transaction;
// crossing locks are a deadlock that run retries. Only that one row is
// locked here (the links of related and body take migration 016's locks
// at the UPDATE), so that no more deadlocks arise than before. Migration
// 018's trigger holds the same rules for the doors that do not come
// through here (scheduled publications, imports).
//
// before, when not nil, is the time a publication is scheduled for: a
// target scheduled to publish strictly before it counts as public, with
// its scheduled revision's language and original (breaker7 F8: an
// original and its translation could not be scheduled for one launch);
// the scheduler publishes in time order, and a target given up or
// withdrawn meanwhile makes the later publication refused when its time
// comes (published_links, published_translations).
func checkLinks(ctx context.Context, tx pgx.Tx, d *content.Draft, lock bool, before *time.Time) error {
	if lock && d.TranslationOf != "" {
		if _, err := tx.Exec(ctx, `SELECT 1 FROM resources WHERE slug = $1 FOR SHARE`, d.TranslationOf); err != nil {
			return err
		}
	}
	found := map[string]content.LinkTarget{}
	if slugs := d.Slugs(); len(slugs) > 0 {
		rows, _ := tx.Query(ctx, `SELECT r.slug,
				r.status = 'PUBLISHED' OR coalesce(s.publish_at < $2, false),
				coalesce(CASE WHEN r.status = 'PUBLISHED' THEN v.language ELSE sv.language END, ''),
				coalesce(CASE WHEN r.status = 'PUBLISHED' THEN v.translation_of ELSE sv.translation_of END, '')
			FROM resources r
			LEFT JOIN revisions v ON v.resource_id = r.id AND v.revision = r.published_revision
			LEFT JOIN scheduled_publications s ON s.resource_id = r.id AND r.status <> 'PUBLISHED'
			LEFT JOIN revisions sv ON sv.resource_id = r.id AND sv.revision = s.revision
			WHERE r.slug = ANY($1)`, slugs, before)
		var (
			slug, lang, of string
			public         bool
		)
		if _, err := pgx.ForEachRow(rows, []any{&slug, &public, &lang, &of}, func() error {
			found[slug] = content.LinkTarget{Found: true, Public: public, Language: lang, TranslationOf: of}
			return nil
		}); err != nil {
			return err
		}
	}
	rows, _ := tx.Query(ctx, `SELECT t.slug, v.language FROM revisions v
		JOIN resources t ON t.id = v.resource_id AND v.revision = t.published_revision
		WHERE v.translation_of = $1 AND t.status = 'PUBLISHED' ORDER BY t.slug`, d.Slug)
	own, err := pgx.CollectRows(rows, pgx.RowToStructByPos[content.Translation])
	if err != nil {
		return err
	}
	if ps := d.CheckLinks(func(s string) content.LinkTarget { return found[s] }, own); len(ps) > 0 {
		ps[0].Field = "input." + ps[0].Field
		return ps[0]
	}
	return nil
}

// publishNow makes the latest revision live, filling review dates that are
// not set: published and last reviewed today, next review in a year.
func publishNow(ctx context.Context, tx pgx.Tx, p *content.Principal, e *editable, action string) error {
	if _, err := tx.Exec(ctx, `UPDATE revisions SET published_at = coalesce(published_at, current_date),
		last_reviewed = coalesce(last_reviewed, current_date),
		next_review = coalesce(next_review, (coalesce(last_reviewed, current_date) + interval '12 months')::date)
		WHERE resource_id = $1 AND revision = $2`, e.id, e.latest); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE resources SET status = 'PUBLISHED', published_revision = $2, withdrawn_reason = NULL,
		withdrawn_at = NULL, updated_at = now() WHERE id = $1`, e.id, e.latest); err != nil {
		return err
	}
	if err := syncListingKeys(ctx, tx, e.id); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM scheduled_publications WHERE resource_id = $1`, e.id); err != nil {
		return err
	}
	if err := recordChange(ctx, tx, e.id, e.latest, content.PublicAction(e.status, content.StatusPublished, true)); err != nil {
		return err
	}
	return audit(ctx, tx, p, action, e.id, e.latest, "")
}

// WithdrawResource withdraws a resource with a reason shown to the public.
func (db *DB) WithdrawResource(ctx context.Context, p *content.Principal, id int64, reason string) (*content.Resource, error) {
	if err := content.CheckWithdrawalReason(reason); err != nil {
		return nil, err
	}
	return db.mutate(ctx, func(tx pgx.Tx) (int64, error) {
		e, err := lockResource(ctx, tx, id)
		if err != nil {
			return 0, err
		}
		if e.status == content.StatusWithdrawn {
			return 0, &content.Error{Code: content.ECONFLICT, Message: "the resource is already withdrawn"}
		}
		// Migration 016's trigger refuses the withdrawal of a resource that
		// published resources link to, after this UPDATE holds the row: a
		// publication racing it either committed first (and is seen) or
		// waits for this transaction (and then sees the withdrawal).
		if _, err := tx.Exec(ctx, `UPDATE resources SET status = 'WITHDRAWN', withdrawn_reason = $2, withdrawn_at = now(), updated_at = now()
			WHERE id = $1`, id, reason); err != nil {
			if by := linkViolation(err); by != nil {
				return 0, &content.Error{Code: content.ECONFLICT, Field: "id", Message: fmt.Sprintf(
					"published resources link to this one (%s): withdraw them or remove the link first, so that none is left pointing at a withdrawn resource (a translation at its withdrawn original)",
					strings.Join(by, ", "))}
			}
			return 0, err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM scheduled_publications WHERE resource_id = $1`, id); err != nil {
			return 0, err
		}
		rev := e.latest
		if e.published != nil {
			rev = *e.published
		}
		if err := recordChange(ctx, tx, id, rev, content.PublicAction(e.status, content.StatusWithdrawn, false)); err != nil {
			return 0, err
		}
		return id, audit(ctx, tx, p, "withdraw", id, e.latest, reason)
	})
}

// CancelScheduledPublication cancels the resource's scheduled publication
// (breaker5 F40): ECONFLICT when none is scheduled. The resource keeps its
// status; nothing public changes, so no change row is written.
func (db *DB) CancelScheduledPublication(ctx context.Context, p *content.Principal, id int64) (*content.Resource, error) {
	return db.mutate(ctx, func(tx pgx.Tx) (int64, error) {
		if _, err := lockResource(ctx, tx, id); err != nil {
			return 0, err
		}
		var (
			rev int
			at  time.Time
		)
		err := tx.QueryRow(ctx, `DELETE FROM scheduled_publications WHERE resource_id = $1 RETURNING revision, publish_at`, id).Scan(&rev, &at)
		if errors.Is(err, pgx.ErrNoRows) {
			return 0, &content.Error{Code: content.ECONFLICT, Field: "id", Message: "no publication of this resource is scheduled"}
		} else if err != nil {
			return 0, err
		}
		return id, audit(ctx, tx, p, "cancel schedule", id, rev, "was to publish at "+at.UTC().Format(time.RFC3339))
	})
}

// linkViolation returns the resources named first in the links of a
// published_links violation (migration 016: "from -> to, ..."), or nil
// when err is not one.
func linkViolation(err error) []string {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.ConstraintName != "published_links" {
		return nil
	}
	var from []string
	seen := map[string]bool{}
	for _, l := range strings.Split(pgErr.Detail, ", ") {
		f, _, _ := strings.Cut(l, " -> ")
		if !seen[f] {
			seen[f] = true
			from = append(from, f)
		}
	}
	return from
}

// RestoreRevision makes a copy of an earlier revision the new draft.
func (db *DB) RestoreRevision(ctx context.Context, p *content.Principal, id int64, rev int) (*content.Resource, error) {
	return db.mutate(ctx, func(tx pgx.Tx) (int64, error) {
		e, err := lockResource(ctx, tx, id)
		if err != nil {
			return 0, err
		}
		d, err := loadRevision(ctx, tx, id, rev)
		if err != nil {
			return 0, err
		}
		next := e.latest + 1
		if err := writeRevision(ctx, tx, id, next, d, nil, nil, p.Name); err != nil {
			return 0, err
		}
		if _, err := tx.Exec(ctx, `UPDATE resources SET latest_revision = $2 WHERE id = $1`, id, next); err != nil {
			return 0, err
		}
		if err := recordChange(ctx, tx, id, next, content.ActionDraft); err != nil {
			return 0, err
		}
		return id, audit(ctx, tx, p, "restore-revision", id, next, fmt.Sprintf("from revision %d", rev))
	})
}

// MarkReviewed records a review: the live revision (and any pending draft)
// get the new review dates as new revisions.
func (db *DB) MarkReviewed(ctx context.Context, p *content.Principal, id int64, last, next time.Time) (*content.Resource, error) {
	if !next.After(last) {
		return nil, content.FieldErrorf("nextReviewDue", "must be after lastReviewedAt")
	}
	return db.mutate(ctx, func(tx pgx.Tx) (int64, error) {
		e, err := lockResource(ctx, tx, id)
		if err != nil {
			return 0, err
		}
		rev, action, changed := e.latest, content.ActionDraft, 0
		stamp := func(from int) error {
			d, err := loadRevision(ctx, tx, id, from)
			if err != nil {
				return err
			}
			// The importer's rule for files (content.Draft.Check, Library):
			// a review cannot predate publication (breaker5 F17: 0001-01-01
			// reached the public page).
			if d.PublishedAt != nil && last.Before(*d.PublishedAt) {
				return content.FieldErrorf("lastReviewedAt", "%s is before publishedAt %s",
					last.Format(content.DateLayout), d.PublishedAt.Format(content.DateLayout))
			}
			d.LastReviewedAt, d.NextReviewDue = &last, &next
			rev++
			return writeRevision(ctx, tx, id, rev, d, nil, nil, p.Name)
		}
		// A scheduled publication publishes the review too (breaker7 F14:
		// it published the revision scheduled before the review, and the
		// live review dates went back): the scheduled revision is stamped
		// as well and the schedule moved to the stamped copy.
		sched, hasSched := 0, true
		if err := tx.QueryRow(ctx, `SELECT revision FROM scheduled_publications WHERE resource_id = $1 FOR UPDATE`, id).Scan(&sched); errors.Is(err, pgx.ErrNoRows) {
			hasSched = false
		} else if err != nil {
			return 0, err
		}
		publishedStamp, schedStamp := 0, 0
		if e.published != nil {
			if err := stamp(*e.published); err != nil {
				return 0, err
			}
			publishedStamp = rev
			if _, err := tx.Exec(ctx, `UPDATE resources SET published_revision = $2, updated_at = now() WHERE id = $1`, id, rev); err != nil {
				return 0, err
			}
			// The public sees the new review dates only while published.
			action, changed = content.PublicAction(e.status, e.status, true), rev
		}
		if hasSched && sched != e.latest && (e.published == nil || sched != *e.published) {
			if err := stamp(sched); err != nil {
				return 0, err
			}
			schedStamp = rev
		}
		if e.published == nil || e.latest > *e.published {
			if err := stamp(e.latest); err != nil {
				return 0, err
			}
		}
		if hasSched {
			to := rev // the scheduled revision was the latest
			switch {
			case schedStamp != 0:
				to = schedStamp
			case sched != e.latest:
				to = publishedStamp
			}
			if _, err := tx.Exec(ctx, `UPDATE scheduled_publications SET revision = $2 WHERE resource_id = $1`, id, to); err != nil {
				return 0, err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE resources SET latest_revision = $2 WHERE id = $1`, id, rev); err != nil {
			return 0, err
		}
		if action == content.ActionDraft {
			changed = rev
		}
		if err := recordChange(ctx, tx, id, changed, action); err != nil {
			return 0, err
		}
		return id, audit(ctx, tx, p, "mark-reviewed", id, rev, "next review "+next.Format(content.DateLayout))
	})
}

// PublishDue publishes scheduled resources whose time has come, and
// returns how many. One replica at a time does it (advisory lock); each
// publication writes its change row, so it reaches every replica's index.
// Rows are locked in the API's order (the resource, then its schedule), so
// the scheduler and an editor never deadlock. A publication that would
// make a published link to a resource the public cannot see (its original
// or a related resource was withdrawn after it was scheduled: review6 R7)
// is not made: its schedule is given up and the audit log says why
// ("publish (scheduled) refused"), and the others go ahead. So is one
// whose token was revoked since (breaker7 F15).
func (db *DB) PublishDue(ctx context.Context) (int, error) {
	rows, _ := db.pool.Query(ctx, `SELECT resource_id FROM scheduled_publications WHERE publish_at <= now() ORDER BY publish_at, resource_id`)
	list, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return 0, fmt.Errorf("publish due: %w", domainError(err))
	}
	// One transaction per resource: a long one would hold the rows (and
	// the share locks on their links) it has published while it waits for
	// the next, and deadlock with editors.
	n := 0
	for _, id := range list {
		var published bool
		tx, _, err := db.run(ctx, func(tx pgx.Tx) (int64, error) {
			var got bool
			if err := tx.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock($1)`, lockScheduler).Scan(&got); err != nil {
				return 0, err
			} else if !got {
				return 0, errSchedulerBusy
			}
			var err error
			if published, err = publishDueOne(ctx, tx, id); err != nil || !published {
				return id, err
			}
			_, err = tx.Exec(ctx, `SELECT pg_notify($1, '')`, ChangeChannel)
			return id, err
		})
		if errors.Is(err, errSchedulerBusy) {
			break // another replica is publishing
		}
		if err == nil {
			err = tx.Commit(ctx)
		}
		if err != nil {
			return n, fmt.Errorf("publish due: %w", domainError(err))
		}
		if published {
			n++
		}
	}
	return n, nil
}

// errSchedulerBusy says another replica holds the scheduler's lock.
var errSchedulerBusy = errors.New("another replica is publishing scheduled resources")

// publishDueOne publishes resource id's due schedule, if it is still there
// and due once the resource is locked, inside a savepoint: when migration
// 016 refuses it, the savepoint is rolled back and the schedule given up.
func publishDueOne(ctx context.Context, tx pgx.Tx, id int64) (bool, error) {
	e, err := lockResource(ctx, tx, id)
	if err != nil {
		return false, err
	}
	var (
		rev          int
		prefix, name string
	)
	err = tx.QueryRow(ctx, `SELECT revision, coalesce(token_prefix, ''), token_name FROM scheduled_publications
		WHERE resource_id = $1 AND publish_at <= now() FOR UPDATE`, id).Scan(&rev, &prefix, &name)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil // published, withdrawn or moved meanwhile
	} else if err != nil {
		return false, err
	}
	e.latest = rev
	who := &content.Principal{Prefix: prefix, Name: name}
	if prefix != "" {
		// A token revoked since it scheduled this stops acting (breaker7
		// F15; RevokeToken cancels its schedules, this catches one it
		// raced with).
		var revoked bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT FROM api_tokens WHERE prefix = $1 AND revoked_at IS NOT NULL)`, prefix).Scan(&revoked); err != nil {
			return false, err
		}
		if revoked {
			if _, err := tx.Exec(ctx, `DELETE FROM scheduled_publications WHERE resource_id = $1`, id); err != nil {
				return false, err
			}
			return false, audit(ctx, tx, who, "publish (scheduled) refused", id, rev, "the token that scheduled it was revoked")
		}
	}
	sp, err := tx.Begin(ctx)
	if err != nil {
		return false, err
	}
	err = publishNow(ctx, sp, who, e, "publish (scheduled)")
	if err == nil {
		return true, sp.Commit(ctx)
	}
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || (pgErr.ConstraintName != "published_links" && pgErr.ConstraintName != "published_translations") {
		return false, err
	}
	if err := sp.Rollback(ctx); err != nil {
		return false, err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM scheduled_publications WHERE resource_id = $1`, id); err != nil {
		return false, err
	}
	return false, audit(ctx, tx, who, "publish (scheduled) refused", id, rev, pgErr.Message)
}

// RunScheduler publishes scheduled resources when their time comes, checking
// every second until ctx ends. Every
// replica runs it; an advisory lock lets one at a time do the work, and each
// publication's change row reaches every replica's index.
func (db *DB) RunScheduler(ctx context.Context, log *slog.Logger) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if n, err := db.PublishDue(ctx); err != nil && ctx.Err() == nil {
			log.Error("scheduled publishing", "err", err)
		} else if n > 0 {
			log.Info("published scheduled resources", "count", n)
		}
	}
}
