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

// column is one column of a resource row as scanResource reads it: its SQL
// and, for a part a caller may leave out, the part and the typed empty
// value selected in its place (so the row keeps its shape).
type column struct {
	sql   string
	part  content.Part
	empty string
}

// resourceRow lists, in scan order, the columns of a resource from
// resources r joined to the revision v the caller sees.
var resourceRow = []column{
	{sql: "r.id"}, {sql: "r.status"}, {sql: "r.origin"}, {sql: "r.withdrawn_reason"}, {sql: "r.withdrawn_at"}, {sql: "r.created_at"}, {sql: "r.updated_at"},
	{sql: "v.revision"}, {sql: "v.kind"}, {sql: "v.slug"}, {sql: "v.title"}, {sql: "v.summary"},
	{sql: "v.body", part: content.PartBody, empty: "''::text"},
	{sql: "v.topics"}, {sql: "v.audiences"}, {sql: "v.nations"}, {sql: "v.language"},
	{sql: "v.translation_of"}, {sql: "v.translation_status"}, {sql: "v.published_at"}, {sql: "v.last_reviewed"}, {sql: "v.next_review"},
	{sql: "v.sources", part: content.PartSources, empty: "'[]'::jsonb"},
	{sql: "v.related"},
	{sql: "v.details", part: content.PartDetails, empty: "'{}'::jsonb"},
}

// columns is the select list of a resource row without the omitted parts:
// built from constant fragments only.
func columns(omit content.Part) string {
	cols := make([]string, len(resourceRow))
	for i, c := range resourceRow {
		cols[i] = c.sql
		if c.part != 0 && omit.Has(c.part) {
			cols[i] = c.empty
		}
	}
	return strings.Join(cols, ", ")
}

// resourceColumns is the whole row.
var resourceColumns = columns(0)

// publicJoin joins each resource to its published revision; drafts that were
// never published have none and drop out.
const publicJoin = ` FROM resources r JOIN revisions v ON v.resource_id = r.id AND v.revision = r.published_revision`

// answerable selects published and withdrawn resources (what answers by
// slug or id); listed selects only published ones.
const (
	answerable = ` r.status IN ('PUBLISHED', 'WITHDRAWN')`
	listed     = ` r.status = 'PUBLISHED'`
)

func scanResource(row pgx.CollectableRow) (*content.Resource, error) {
	return scanResourceKey(row, nil)
}

// scanResourceKey scans a resource row and, when key is not nil, one more
// column after it (a list's sort key) into key.
func scanResourceKey(row interface{ Scan(...any) error }, key *string) (*content.Resource, error) {
	var (
		r                                     content.Resource
		origin, wReason, transOf, transStatus *string
		wAt                                   *time.Time
		sources, details                      []byte
	)
	dest := []any{&r.ID, &r.Status, &origin, &wReason, &wAt, &r.CreatedAt, &r.UpdatedAt,
		&r.Revision, &r.Kind, &r.Slug, &r.Title, &r.Summary, &r.Body, &r.Topics, &r.Audiences, &r.Nations, &r.Language,
		&transOf, &transStatus, &r.PublishedAt, &r.LastReviewedAt, &r.NextReviewDue, &sources, &r.Related, &details, key}
	if key == nil {
		dest = dest[:len(dest)-1]
	}
	if err := row.Scan(dest...); err != nil {
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
	// A part left out is selected as an empty constant: no need to decode it.
	if string(sources) == "[]" {
		r.Sources = []content.Source{}
	} else if err := json.Unmarshal(sources, &r.Sources); err != nil {
		return nil, fmt.Errorf("sources of %s: %w", r.Slug, err)
	}
	if string(details) != "{}" {
		if err := json.Unmarshal(details, &r.Details); err != nil {
			return nil, fmt.Errorf("details of %s: %w", r.Slug, err)
		}
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

// ResourcesByID returns the published or withdrawn resources with the ids,
// leaving out the parts omit names (a page of search hits that shows titles
// and summaries loads and decodes a fraction of the bytes).
func (db *DB) ResourcesByID(ctx context.Context, ids []int64, omit content.Part) ([]*content.Resource, error) {
	rows, _ := db.pool.Query(ctx, `SELECT `+columns(omit)+publicJoin+` WHERE r.id = ANY($1) AND`+answerable, ids)
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

// orderSQL holds, for each order field, the column sorted on (as the
// public sees it and as editors do, whose drafts have no listing keys: they
// sort as if published at the start of time, by their latest title), the
// cursor key read from it and the cast of a cursor key back to it. Only
// these constant fragments are ever put into SQL.
var orderSQL = map[content.OrderField]struct{ public, editor, key, cast string }{
	content.OrderPublishedAt: {"r.published_at", "coalesce(r.published_at, '0001-01-01'::date)", "%s::text", "$%d::date"},
	content.OrderUpdatedAt:   {"r.updated_at", "r.updated_at", "to_char(%s AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US')", "($%d::timestamp AT TIME ZONE 'UTC')"},
	content.OrderTitle:       {"r.title_key", "coalesce(r.title_key, lower(v.title))", "%s", "$%d::text"},
}

// orderClauses returns the sort key expression, the ORDER BY clause and the
// cursor comparison (with two %d for its arguments) of an order.
func orderClauses(o content.Order, editor bool) (key, by, cmp string, ok bool) {
	f, ok := orderSQL[o.Field]
	if !ok || !o.Valid() {
		return "", "", "", false
	}
	col := f.public
	if editor {
		col = f.editor
	}
	dir, op := " ASC", ">"
	if o.Direction == content.Desc {
		dir, op = " DESC", "<"
	}
	key = fmt.Sprintf(f.key, col)
	return key, col + dir + ", r.id" + dir, "(" + col + ", r.id) " + op + " (" + f.cast + ", $%d)", true
}

// ListResources returns one page of published resources: the page and,
// unless q.NoCount, the total count go to the database in one batch (one
// round trip); the page reads only the columns q.Omit leaves in.
func (db *DB) ListResources(ctx context.Context, q content.ListQuery) (*content.ListPage, error) {
	key, by, cmp, ok := orderClauses(q.Order, q.Editor)
	if !ok {
		return nil, content.FieldErrorf("orderBy", "unknown order")
	}
	where, args := filterSQL(q.Filter)
	join := publicJoin
	if q.Editor {
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
		pageWhere += " AND " + fmt.Sprintf(cmp, len(args)+1, len(args)+2)
		pageArgs = append(pageArgs, q.After.Key, q.After.ID)
	}
	pageArgs = append(pageArgs, q.First+1)
	pageSQL := `SELECT ` + columns(q.Omit) + `, ` + key + join + ` WHERE` + pageWhere +
		` ORDER BY ` + by + fmt.Sprintf(` LIMIT $%d`, len(pageArgs))

	var (
		page  content.ListPage
		batch pgx.Batch
	)
	if !q.NoCount {
		batch.Queue(countSQL, args...).QueryRow(func(row pgx.Row) error { return row.Scan(&page.TotalCount) })
	}
	batch.Queue(pageSQL, pageArgs...).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var key string
			r, err := scanResourceKey(rows, &key)
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
		// Language tags are case-insensitive (RFC 5646 section 2.1.1):
		// "AR" finds what "ar" finds, as in the search index.
		langs := make([]string, len(f.Languages))
		for i, l := range f.Languages {
			langs[i] = strings.ToLower(l)
		}
		add("lower(v.language) = ANY($%d)", langs)
	}
	if f.PublishedAfter != nil {
		add("r.published_at >= $%d", *f.PublishedAfter)
	}
	if f.PublishedBefore != nil {
		add("r.published_at <= $%d", *f.PublishedBefore)
	}
	return where, args
}
