package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"guidancehub/internal/content"
)

// resourceColumns are the columns scanResource reads, from resources r
// joined to the revision v the public sees.
const resourceColumns = `r.id, r.status, r.origin, r.withdrawn_reason, r.withdrawn_at, r.created_at, r.updated_at,
	v.revision, v.kind, v.slug, v.title, v.summary, v.body, v.topics, v.audiences, v.nations, v.language,
	v.translation_of, v.translation_status, v.published_at, v.last_reviewed, v.next_review, v.sources, v.related, v.details`

// publicJoin joins each resource to its published revision; drafts that were
// never published have none and drop out.
const publicJoin = ` FROM resources r JOIN revisions v ON v.resource_id = r.id AND v.revision = r.published_revision`

// publicRows selects published and withdrawn resources (what answers by
// slug or id); listed selects only published ones.
const (
	answerable = ` r.status IN ('PUBLISHED', 'WITHDRAWN')`
	listed     = ` r.status = 'PUBLISHED'`
)

func scanResource(row pgx.CollectableRow) (*content.Resource, error) {
	var (
		r                                     content.Resource
		origin, wReason, transOf, transStatus *string
		wAt                                   *time.Time
		sources, details                      []byte
	)
	err := row.Scan(&r.ID, &r.Status, &origin, &wReason, &wAt, &r.CreatedAt, &r.UpdatedAt,
		&r.Revision, &r.Kind, &r.Slug, &r.Title, &r.Summary, &r.Body, &r.Topics, &r.Audiences, &r.Nations, &r.Language,
		&transOf, &transStatus, &r.PublishedAt, &r.LastReviewedAt, &r.NextReviewDue, &sources, &r.Related, &details)
	if err != nil {
		return nil, err
	}
	if origin != nil {
		r.Origin = *origin
	}
	if transOf != nil {
		r.TranslationOf = *transOf
	}
	if transStatus != nil {
		r.TranslationStatus = *transStatus
	}
	if r.Status == content.StatusWithdrawn && wAt != nil {
		r.Withdrawal = &content.Withdrawal{WithdrawnAt: *wAt}
		if wReason != nil {
			r.Withdrawal.Reason = *wReason
		}
	}
	if err := json.Unmarshal(sources, &r.Sources); err != nil {
		return nil, fmt.Errorf("sources of %s: %w", r.Slug, err)
	}
	if err := json.Unmarshal(details, &r.Details); err != nil {
		return nil, fmt.Errorf("details of %s: %w", r.Slug, err)
	}
	return &r, nil
}

// ResourceBySlug returns the published or withdrawn resource with the slug.
func (db *DB) ResourceBySlug(ctx context.Context, slug string) (*content.Resource, error) {
	rows, _ := db.pool.Query(ctx, `SELECT `+resourceColumns+publicJoin+` WHERE r.slug = $1 AND`+answerable, slug)
	r, err := pgx.CollectExactlyOneRow(rows, scanResource)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, content.Errorf(content.ENOTFOUND, "no resource with slug %q", slug)
	} else if err != nil {
		return nil, fmt.Errorf("resource by slug: %w", domainError(err))
	}
	return r, nil
}

// ResourcesByID returns the published or withdrawn resources with the ids.
func (db *DB) ResourcesByID(ctx context.Context, ids []int64) ([]*content.Resource, error) {
	return db.ResourcesByIDPartly(ctx, ids, content.Skip{})
}

// ResourcesByIDPartly is ResourcesByID leaving out what a page will not
// show (the Markdown body, sources, the kind's own fields): a page of search
// hits that shows titles and summaries loads and decodes a fraction of the
// bytes.
func (db *DB) ResourcesByIDPartly(ctx context.Context, ids []int64, skip content.Skip) ([]*content.Resource, error) {
	cols := resourceColumns
	if skip.Body {
		cols = strings.Replace(cols, "v.body,", "''::text,", 1)
	}
	if skip.Sources {
		cols = strings.Replace(cols, "v.sources,", "'[]'::jsonb,", 1)
	}
	if skip.Details {
		cols = strings.Replace(cols, "v.details", "'{}'::jsonb", 1)
	}
	rows, _ := db.pool.Query(ctx, `SELECT `+cols+publicJoin+` WHERE r.id = ANY($1) AND`+answerable, ids)
	rs, err := pgx.CollectRows(rows, scanResource)
	if err != nil {
		return nil, fmt.Errorf("resources by id: %w", domainError(err))
	}
	return rs, nil
}

// ResourcesBySlug returns the published or withdrawn resources with the slugs.
func (db *DB) ResourcesBySlug(ctx context.Context, slugs []string) ([]*content.Resource, error) {
	rows, _ := db.pool.Query(ctx, `SELECT `+resourceColumns+publicJoin+` WHERE r.slug = ANY($1) AND`+answerable, slugs)
	rs, err := pgx.CollectRows(rows, scanResource)
	if err != nil {
		return nil, fmt.Errorf("resources by slug: %w", domainError(err))
	}
	return rs, nil
}

// TranslationsOf returns the published translations of each slug.
func (db *DB) TranslationsOf(ctx context.Context, slugs []string) (map[string][]*content.Resource, error) {
	rows, _ := db.pool.Query(ctx, `SELECT `+resourceColumns+publicJoin+` WHERE v.translation_of = ANY($1) AND`+listed+` ORDER BY v.language, r.id`, slugs)
	rs, err := pgx.CollectRows(rows, scanResource)
	if err != nil {
		return nil, fmt.Errorf("translations: %w", domainError(err))
	}
	out := make(map[string][]*content.Resource, len(slugs))
	for _, r := range rs {
		out[r.TranslationOf] = append(out[r.TranslationOf], r)
	}
	return out, nil
}

// TopicCounts returns the number of published resources per topic.
func (db *DB) TopicCounts(ctx context.Context) (map[string]int, error) {
	rows, _ := db.pool.Query(ctx, `SELECT t, count(*)`+publicJoin+`, unnest(v.topics) AS t WHERE`+listed+` GROUP BY t`)
	counts := map[string]int{}
	var (
		t string
		n int
	)
	_, err := pgx.ForEachRow(rows, []any{&t, &n}, func() error { counts[t] = n; return nil })
	if err != nil {
		return nil, fmt.Errorf("topic counts: %w", domainError(err))
	}
	return counts, nil
}

// orderSQL holds, for each order, the sort key expression, its SQL type and
// the ORDER BY clause. Only these constant fragments are ever put into SQL.
var orderSQL = map[content.Order]struct{ key, typ, by, cmp string }{
	{Field: content.OrderPublishedAt, Direction: content.Desc}: {"r.published_at::text", "date", "r.published_at DESC, r.id DESC", "(r.published_at, r.id) < ($%d::date, $%d)"},
	{Field: content.OrderPublishedAt, Direction: content.Asc}:  {"r.published_at::text", "date", "r.published_at ASC, r.id ASC", "(r.published_at, r.id) > ($%d::date, $%d)"},
	{Field: content.OrderUpdatedAt, Direction: content.Desc}:   {"to_char(r.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US')", "timestamp", "r.updated_at DESC, r.id DESC", "(r.updated_at, r.id) < (($%d::timestamp AT TIME ZONE 'UTC'), $%d)"},
	{Field: content.OrderUpdatedAt, Direction: content.Asc}:    {"to_char(r.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US')", "timestamp", "r.updated_at ASC, r.id ASC", "(r.updated_at, r.id) > (($%d::timestamp AT TIME ZONE 'UTC'), $%d)"},
	{Field: content.OrderTitle, Direction: content.Asc}:        {"r.title_key", "text", "r.title_key ASC, r.id ASC", "(r.title_key, r.id) > ($%d::text, $%d)"},
	{Field: content.OrderTitle, Direction: content.Desc}:       {"r.title_key", "text", "r.title_key DESC, r.id DESC", "(r.title_key, r.id) < ($%d::text, $%d)"},
}

// ListResources returns one page of published resources: the page and the
// total count go to the database in one batch (one round trip).
func (db *DB) ListResources(ctx context.Context, q content.ListQuery) (*content.ListPage, error) {
	o, ok := orderSQL[q.Order]
	if !ok {
		return nil, content.FieldErrorf("orderBy", "unknown order")
	}
	where, args := filterSQL(q.Filter)
	join := publicJoin
	if q.Editor {
		// Drafts have no listing keys: order them by their latest title and
		// as if published at the start of time.
		r := strings.NewReplacer("r.published_at", "coalesce(r.published_at, '0001-01-01'::date)", "r.title_key", "coalesce(r.title_key, lower(v.title))")
		o.key, o.by, o.cmp = r.Replace(o.key), r.Replace(o.by), r.Replace(o.cmp)
		join = editorJoin
	}
	countSQL := `SELECT count(*)` + join + ` WHERE` + where
	if len(args) == 0 && len(q.Filter.Kinds) == 0 && !q.Editor && !q.Filter.ReviewOverdue {
		// No filter on revision fields: count published resources alone.
		countSQL = `SELECT count(*) FROM resources r WHERE` + listed
	}

	pageWhere := where
	pageArgs := append([]any(nil), args...)
	if q.After != nil {
		pageWhere += " AND " + fmt.Sprintf(o.cmp, len(args)+1, len(args)+2)
		pageArgs = append(pageArgs, q.After.Key, q.After.ID)
	}
	pageArgs = append(pageArgs, q.First+1)
	pageSQL := `SELECT ` + resourceColumns + `, ` + o.key + join + ` WHERE` + pageWhere +
		` ORDER BY ` + o.by + fmt.Sprintf(` LIMIT $%d`, len(pageArgs))

	var (
		page  content.ListPage
		batch pgx.Batch
	)
	batch.Queue(countSQL, args...).QueryRow(func(row pgx.Row) error { return row.Scan(&page.TotalCount) })
	batch.Queue(pageSQL, pageArgs...).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var key string
			r, err := scanResource(keyRow{rows, &key})
			if err != nil {
				return err
			}
			r.EditorView = q.Editor
			page.Resources = append(page.Resources, r)
			page.Cursors = append(page.Cursors, content.Cursor{Order: q.Order, Key: key, ID: r.ID})
		}
		return rows.Err()
	})
	if err := db.pool.SendBatch(ctx, &batch).Close(); err != nil {
		return nil, fmt.Errorf("list resources: %w", domainError(err))
	}
	if len(page.Resources) > q.First {
		page.Resources, page.Cursors = page.Resources[:q.First], page.Cursors[:q.First]
		page.HasNext = true
	}
	page.HasPrevious = q.After != nil
	return &page, nil
}

// keyRow scans a resource row followed by one extra column (the sort key).
type keyRow struct {
	pgx.Rows
	key *string
}

func (k keyRow) Scan(dest ...any) error { return k.Rows.Scan(append(dest, k.key)...) }

// filterSQL turns a filter into a WHERE clause of constant fragments and
// its arguments.
func filterSQL(f content.Filter) (string, []any) {
	where := listed
	var args []any
	add := func(clause string, arg any) {
		args = append(args, arg)
		where += fmt.Sprintf(" AND "+clause, len(args))
	}
	if len(f.Statuses) > 0 {
		statuses := make([]string, len(f.Statuses))
		for i, s := range f.Statuses {
			statuses[i] = string(s)
		}
		args = append(args, statuses)
		where = fmt.Sprintf(" r.status = ANY($%d)", len(args))
	}
	if f.ReviewOverdue {
		where += " AND v.next_review < current_date"
	}
	if len(f.Kinds) > 0 {
		kinds := make([]string, len(f.Kinds))
		for i, k := range f.Kinds {
			kinds[i] = string(k)
		}
		add("r.kind = ANY($%d)", kinds)
	}
	if len(f.Topics) > 0 {
		add("v.topics && $%d", f.Topics)
	}
	if len(f.Audiences) > 0 {
		add("v.audiences && $%d", f.Audiences)
	}
	if len(f.Nations) > 0 {
		add("v.nations && $%d", f.Nations)
	}
	if len(f.Languages) > 0 {
		add("v.language = ANY($%d)", f.Languages)
	}
	if f.PublishedAfter != nil {
		add("r.published_at >= $%d", *f.PublishedAfter)
	}
	if f.PublishedBefore != nil {
		add("r.published_at <= $%d", *f.PublishedBefore)
	}
	return where, args
}
