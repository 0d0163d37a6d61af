package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"guidancehub/internal/content"
)

// What editors read: any resource whatever its status, pending drafts,
// revisions and the audit log. Their writes are in editorial.go.

type rowQuerier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// editorJoin joins each resource to what editors see first: its published
// revision, or its latest draft when it was never published.
const editorJoin = ` FROM resources r JOIN revisions v ON v.resource_id = r.id AND v.revision = coalesce(r.published_revision, r.latest_revision)`

// EditorResourceByID returns any resource, drafts included.
func (db *DB) EditorResourceByID(ctx context.Context, id int64) (*content.Resource, error) {
	return editorResourceByID(ctx, db.pool, id)
}

func editorResourceByID(ctx context.Context, q querier, id int64) (*content.Resource, error) {
	rows, _ := q.Query(ctx, `SELECT `+resourceColumns+editorJoin+` WHERE r.id = $1`, id)
	r, err := pgx.CollectExactlyOneRow(rows, scanResource)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, content.Errorf(content.ENOTFOUND, "no resource with that id")
	} else if err != nil {
		return nil, fmt.Errorf("resource by id: %w", domainError(err))
	}
	r.EditorView = true
	return r, nil
}

// EditorResourceBySlug returns any resource by slug, drafts included.
func (db *DB) EditorResourceBySlug(ctx context.Context, slug string) (*content.Resource, error) {
	rows, _ := db.pool.Query(ctx, `SELECT `+resourceColumns+editorJoin+` WHERE r.slug = $1`, slug)
	r, err := pgx.CollectExactlyOneRow(rows, scanResource)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, content.Errorf(content.ENOTFOUND, "no resource with slug %q", slug)
	} else if err != nil {
		return nil, fmt.Errorf("resource by slug: %w", domainError(err))
	}
	r.EditorView = true
	return r, nil
}

// PendingDraft returns the resource's latest revision when it is newer than
// the published one (a draft not yet live), or nil.
func (db *DB) PendingDraft(ctx context.Context, id int64) (*content.Resource, error) {
	rows, _ := db.pool.Query(ctx, `SELECT `+resourceColumns+` FROM resources r JOIN revisions v ON v.resource_id = r.id AND v.revision = r.latest_revision
		WHERE r.id = $1 AND (r.published_revision IS NULL OR r.latest_revision > r.published_revision)`, id)
	r, err := pgx.CollectExactlyOneRow(rows, scanResource)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("pending draft: %w", domainError(err))
	}
	r.Status = content.StatusDraft
	r.Withdrawal = nil
	r.EditorView = true
	return r, nil
}

// Revisions lists up to first of a resource's revisions, newest first,
// those numbered below before when it is above 0.
func (db *DB) Revisions(ctx context.Context, id int64, first, before int) ([]content.RevisionInfo, error) {
	rows, _ := db.pool.Query(ctx, `SELECT v.revision, v.title, coalesce(v.author, v.origin, ''), v.created_at,
		v.revision = coalesce(r.published_revision, -1), v.revision = r.latest_revision
		FROM revisions v JOIN resources r ON r.id = v.resource_id WHERE v.resource_id = $1 AND ($2 = 0 OR v.revision < $2)
		ORDER BY v.revision DESC LIMIT $3`, id, before, first)
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[content.RevisionInfo])
	if err != nil {
		return nil, fmt.Errorf("revisions: %w", domainError(err))
	}
	return out, nil
}

// Scheduled returns the resource's scheduled publication, or nil.
func (db *DB) Scheduled(ctx context.Context, id int64) (*content.ScheduledPublication, error) {
	rows, _ := db.pool.Query(ctx, `SELECT publish_at, revision, token_name FROM scheduled_publications WHERE resource_id = $1`, id)
	s, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[content.ScheduledPublication])
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("scheduled: %w", domainError(err))
	}
	s.At = s.At.UTC()
	return &s, nil
}

// Revision returns one revision's content.
func (db *DB) Revision(ctx context.Context, id int64, rev int) (*content.Draft, error) {
	d, err := loadRevision(ctx, db.pool, id, rev)
	if err != nil {
		var de *content.Error
		if errors.As(err, &de) {
			return nil, err
		}
		return nil, fmt.Errorf("revision: %w", domainError(err))
	}
	return d, nil
}

// AuditLog returns audit entries newest first, before the given id (0: from
// the newest).
func (db *DB) AuditLog(ctx context.Context, first int, before int64) ([]content.AuditEntry, error) {
	if before <= 0 {
		before = 1<<62 - 1
	}
	rows, _ := db.pool.Query(ctx, `SELECT id, at, coalesce(token_prefix, ''), token_name, action, resource_id, revision, coalesce(detail, '')
		FROM audit_log WHERE id < $1 ORDER BY id DESC LIMIT $2`, before, first)
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[content.AuditEntry])
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", domainError(err))
	}
	return out, nil
}
