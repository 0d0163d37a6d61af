package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/jackc/pgx/v5"

	"guidancehub/internal/content"
)

// PrunedReason is the withdrawal reason of a resource whose file was removed.
const PrunedReason = "Its source file was removed from the library."

// ImportFiles writes parsed files to the store: new slugs are created,
// changed files make a new revision, unchanged files do nothing. It runs in
// one transaction under an advisory lock, so replicas importing at start-up
// together do not race.
func (db *DB) ImportFiles(ctx context.Context, files []content.FileImport, opts content.ImportOptions) ([]content.ImportResult, error) {
	var results []content.ImportResult
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		results = results[:0]
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, lockImport); err != nil {
			return err
		}
		changed := false
		seen := map[string]bool{}
		for _, p := range opts.Present {
			seen[p] = true
		}
		for i := range files {
			f := &files[i]
			seen[f.Path] = true
			res, err := importFile(ctx, tx, f, opts)
			if err != nil {
				var de *content.Error
				if !errors.As(err, &de) {
					return fmt.Errorf("import %s: %w", f.Path, err)
				}
				res = content.ImportResult{Slug: f.Draft.Slug, Path: f.Path, Err: err}
			}
			changed = changed || (res.Action != "unchanged" && res.Err == nil)
			results = append(results, res)
		}
		if opts.Prune {
			pruned, err := prune(ctx, tx, opts.PruneDir, seen)
			if err != nil {
				return err
			}
			changed = changed || len(pruned) > 0
			results = append(results, pruned...)
		}
		if changed {
			if _, err := tx.Exec(ctx, `SELECT pg_notify($1, '')`, ChangeChannel); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("import: %w", domainError(err))
	}
	return results, nil
}

type existing struct {
	id                int64
	status            content.Status
	origin            *string
	hash              *string
	latest, published *int
}

func importFile(ctx context.Context, tx pgx.Tx, f *content.FileImport, opts content.ImportOptions) (content.ImportResult, error) {
	res := content.ImportResult{Slug: f.Draft.Slug, Path: f.Path}
	var e existing
	err := tx.QueryRow(ctx, `SELECT id, status, origin, content_hash, latest_revision, published_revision
		FROM resources WHERE slug = $1 FOR UPDATE`, f.Draft.Slug).
		Scan(&e.id, &e.status, &e.origin, &e.hash, &e.latest, &e.published)
	if errors.Is(err, pgx.ErrNoRows) {
		return res, create(ctx, tx, f, &res)
	} else if err != nil {
		return res, err
	}

	switch {
	case e.origin == nil:
		return res, &content.Error{Code: content.ECONFLICT, Field: "slug",
			Message: fmt.Sprintf("slug %q belongs to a resource made through the API; choose another slug", f.Draft.Slug)}
	case *e.origin != f.Path && opts.OriginExists != nil && opts.OriginExists(*e.origin):
		return res, &content.Error{Code: content.ECONFLICT, Field: "slug",
			Message: fmt.Sprintf("slug %q is already owned by %s", f.Draft.Slug, *e.origin)}
	}
	publish := f.Status == content.StatusPublished
	if e.hash != nil && *e.hash == f.Hash {
		res.Action = "unchanged"
		if *e.origin != f.Path {
			res.Action = "moved"
		}
		restore := e.status == content.StatusWithdrawn && publish && e.published != nil
		if restore {
			res.Action = "restored"
		}
		if res.Action == "unchanged" {
			return res, nil
		}
		_, err := tx.Exec(ctx, `UPDATE resources SET origin = $2,
			status = CASE WHEN $3 THEN 'PUBLISHED' ELSE status END,
			withdrawn_reason = CASE WHEN $3 THEN NULL ELSE withdrawn_reason END,
			withdrawn_at = CASE WHEN $3 THEN NULL ELSE withdrawn_at END,
			updated_at = CASE WHEN $3 THEN now() ELSE updated_at END
			WHERE id = $1`, e.id, f.Path, restore)
		if err != nil {
			return res, err
		}
		if restore {
			return res, recordChange(ctx, tx, e.id, *e.published, content.ActionPublished)
		}
		return res, nil
	}

	rev := *e.latest + 1
	if err := insertRevision(ctx, tx, e.id, rev, f); err != nil {
		return res, err
	}
	res.Action = "updated"
	if publish && e.status == content.StatusWithdrawn {
		res.Action = "restored"
	}
	_, err = tx.Exec(ctx, `UPDATE resources SET kind = $2, origin = $3, content_hash = $4, latest_revision = $5,
		published_revision = CASE WHEN $6 THEN $5 ELSE published_revision END,
		status = CASE WHEN $6 THEN 'PUBLISHED' ELSE status END,
		withdrawn_reason = CASE WHEN $6 THEN NULL ELSE withdrawn_reason END,
		withdrawn_at = CASE WHEN $6 THEN NULL ELSE withdrawn_at END,
		updated_at = CASE WHEN $6 THEN now() ELSE updated_at END
		WHERE id = $1`, e.id, f.Draft.Kind, f.Path, f.Hash, rev, publish)
	if err != nil {
		return res, err
	}
	if err := syncListingKeys(ctx, tx, e.id); err != nil {
		return res, err
	}
	after := e.status
	if publish {
		after = content.StatusPublished
	}
	action := content.PublicAction(e.status, after, publish)
	return res, recordChange(ctx, tx, e.id, rev, action)
}

func create(ctx context.Context, tx pgx.Tx, f *content.FileImport, res *content.ImportResult) error {
	status := content.StatusDraft
	var published *int
	if f.Status == content.StatusPublished {
		status, published = content.StatusPublished, new(int)
		*published = 1
	}
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO resources (slug, kind, status, origin, content_hash, latest_revision, published_revision)
		VALUES ($1, $2, $3, $4, $5, 1, $6) RETURNING id`,
		f.Draft.Slug, f.Draft.Kind, status, f.Path, f.Hash, published).Scan(&id)
	if err != nil {
		return err
	}
	if err := insertRevision(ctx, tx, id, 1, f); err != nil {
		return err
	}
	if err := syncListingKeys(ctx, tx, id); err != nil {
		return err
	}
	res.Action = "created"
	return recordChange(ctx, tx, id, 1, content.PublicAction(content.StatusDraft, status, true))
}

func insertRevision(ctx context.Context, tx pgx.Tx, id int64, rev int, f *content.FileImport) error {
	return writeRevision(ctx, tx, id, rev, &f.Draft, &f.Path, &f.Hash, f.Path)
}

// writeRevision inserts a full snapshot of a draft as revision rev.
func writeRevision(ctx context.Context, tx pgx.Tx, id int64, rev int, d *content.Draft, origin, hash *string, author string) error {
	sources, err := json.Marshal(nonNil(d.Sources))
	if err != nil {
		return err
	}
	details, err := json.Marshal(d.Details)
	if err != nil {
		return err
	}
	var translationOf, translationStatus *string
	if d.TranslationOf != "" {
		translationOf, translationStatus = &d.TranslationOf, &d.TranslationStatus
	}
	_, err = tx.Exec(ctx, `INSERT INTO revisions (resource_id, revision, kind, slug, title, summary, body, topics, audiences,
		nations, language, translation_of, translation_status, published_at, last_reviewed, next_review, sources, related, details, origin, content_hash, author)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)`,
		id, rev, d.Kind, d.Slug, d.Title, d.Summary, d.Body, nonNil(d.Topics), nonNil(d.Audiences), nonNil(d.Nations),
		d.Language, translationOf, translationStatus, d.PublishedAt, d.LastReviewedAt, d.NextReviewDue, sources, nonNil(d.Related), details, origin, hash, author)
	return err
}

// recordChange writes the change-log row of an edit, in its transaction.
// rev is the revision the public sees after a public action, or the new
// draft revision for ActionDraft.
func recordChange(ctx context.Context, tx pgx.Tx, id int64, rev int, action content.ChangeAction) error {
	_, err := tx.Exec(ctx, `INSERT INTO changes (resource_id, revision, action) VALUES ($1, $2, $3)`, id, rev, action)
	return err
}

// prune withdraws the file-origin resources recorded under dir whose files
// were not imported.
func prune(ctx context.Context, tx pgx.Tx, dir string, seen map[string]bool) ([]content.ImportResult, error) {
	dir = filepath.Clean(dir)
	rows, _ := tx.Query(ctx, `SELECT id, slug, origin, coalesce(published_revision, latest_revision), status FROM resources
		WHERE origin IS NOT NULL AND status <> 'WITHDRAWN' AND (origin = $1 OR starts_with(origin, $2))
		ORDER BY origin FOR UPDATE`, dir, strings.TrimSuffix(dir, "/")+"/")
	type row struct {
		ID     int64
		Slug   string
		Origin string
		Rev    int
		Status content.Status
	}
	all, err := pgx.CollectRows(rows, pgx.RowToStructByPos[row])
	if err != nil {
		return nil, err
	}
	var out []content.ImportResult
	for _, r := range all {
		if seen[r.Origin] {
			continue
		}
		if _, err := tx.Exec(ctx, `UPDATE resources SET status = 'WITHDRAWN', withdrawn_reason = $2,
			withdrawn_at = now(), updated_at = now() WHERE id = $1`, r.ID, PrunedReason); err != nil {
			return nil, err
		}
		if err := recordChange(ctx, tx, r.ID, r.Rev, content.PublicAction(r.Status, content.StatusWithdrawn, false)); err != nil {
			return nil, err
		}
		out = append(out, content.ImportResult{Slug: r.Slug, Path: r.Origin, Action: "withdrawn"})
	}
	return out, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// syncListingKeys copies the published revision's listing keys onto the
// resource, after any change of its published revision.
func syncListingKeys(ctx context.Context, tx pgx.Tx, id int64) error {
	_, err := tx.Exec(ctx, `UPDATE resources r SET published_at = v.published_at, title_key = lower(v.title)
		FROM revisions v WHERE r.id = $1 AND v.resource_id = r.id AND v.revision = r.published_revision`, id)
	return err
}
