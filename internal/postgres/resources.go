package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"guidancehub/internal/content"
)

// column is one column of a resource row as a rowScan reads it: its SQL,
// the part it belongs to (0: always read) and where it is scanned to.
type column struct {
	sql  string
	part content.Part
	dest func(*rowScan) any
	// card is the same value read from the resource's card columns
	// (migration 011), for the columns of a card (part 0).
	card string
}

// rowScan holds one row's scan targets; one per query, reused for each row
// (a target per local variable would be a heap allocation per column).
type rowScan struct {
	r                                     content.Resource
	origin, wReason, transOf, transStatus *string
	wAt                                   *time.Time
	sources, details                      []byte
	key                                   string
	dest                                  []any
	omit                                  content.Part
}

// resourceRow lists, in scan order, the columns of a resource from
// resources r joined to the revision v the caller sees.
var resourceRow = []column{
	{sql: "r.id", card: "r.id", dest: func(s *rowScan) any { return &s.r.ID }},
	{sql: "r.status", card: "r.status", dest: func(s *rowScan) any { return &s.r.Status }},
	{sql: "r.origin", part: content.PartMeta, dest: func(s *rowScan) any { return &s.origin }},
	{sql: "r.withdrawn_reason", part: content.PartMeta, dest: func(s *rowScan) any { return &s.wReason }},
	{sql: "r.withdrawn_at", part: content.PartMeta, dest: func(s *rowScan) any { return &s.wAt }},
	{sql: "r.created_at", part: content.PartMeta, dest: func(s *rowScan) any { return &s.r.CreatedAt }},
	{sql: "r.updated_at", part: content.PartMeta, dest: func(s *rowScan) any { return &s.r.UpdatedAt }},
	{sql: "v.revision", card: "r.published_revision", dest: func(s *rowScan) any { return &s.r.Revision }},
	{sql: "v.kind", card: "r.card_kind", dest: func(s *rowScan) any { return &s.r.Kind }},
	{sql: "v.slug", card: "r.card_slug", dest: func(s *rowScan) any { return &s.r.Slug }},
	{sql: "v.title", card: "r.card_title", dest: func(s *rowScan) any { return &s.r.Title }},
	{sql: "v.summary", card: "r.card_summary", dest: func(s *rowScan) any { return &s.r.Summary }},
	{sql: "v.body", part: content.PartBody, dest: func(s *rowScan) any { return &s.r.Body }},
	{sql: "v.topics", card: "r.card_topics", dest: func(s *rowScan) any { return &s.r.Topics }},
	{sql: "v.audiences", part: content.PartMeta, dest: func(s *rowScan) any { return &s.r.Audiences }},
	{sql: "v.nations", part: content.PartMeta, dest: func(s *rowScan) any { return &s.r.Nations }},
	{sql: "v.language", card: "r.card_language", dest: func(s *rowScan) any { return &s.r.Language }},
	{sql: "v.translation_of", part: content.PartMeta, dest: func(s *rowScan) any { return &s.transOf }},
	{sql: "v.translation_status", part: content.PartMeta, dest: func(s *rowScan) any { return &s.transStatus }},
	{sql: "v.published_at", card: "r.card_published_at", dest: func(s *rowScan) any { return &s.r.PublishedAt }},
	{sql: "v.last_reviewed", part: content.PartMeta, dest: func(s *rowScan) any { return &s.r.LastReviewedAt }},
	{sql: "v.next_review", part: content.PartMeta, dest: func(s *rowScan) any { return &s.r.NextReviewDue }},
	{sql: "v.sources", part: content.PartSources, dest: func(s *rowScan) any { return &s.sources }},
	{sql: "v.related", part: content.PartMeta, dest: func(s *rowScan) any { return &s.r.Related }},
	{sql: "v.details", part: content.PartDetails, dest: func(s *rowScan) any { return &s.details }},
}

// allParts is every part a caller may omit.
const allParts = content.PartBody | content.PartSources | content.PartDetails | content.PartMeta

// columnLists holds the select list for each set of omitted parts, built
// once from constant fragments only.
var columnLists = func() (out [allParts + 1]string) {
	for omit := range out {
		var cols []string
		for _, c := range resourceRow {
			if c.part == 0 || !content.Part(omit).Has(c.part) {
				cols = append(cols, c.sql)
			}
		}
		out[omit] = strings.Join(cols, ", ")
	}
	return out
}()

// cardColumns is the select list of a card (every part omitted) read from
// resources alone, in the order of columns(allParts).
var cardColumns = func() string {
	var cols []string
	for _, c := range resourceRow {
		if c.part == 0 {
			cols = append(cols, c.card)
		}
	}
	return strings.Join(cols, ", ")
}()

// columns is the select list of a resource row without the omitted parts.
func columns(omit content.Part) string { return columnLists[omit&allParts] }

// resourceColumns is the whole row.
var resourceColumns = columns(0)

// newRowScan returns the scan targets of rows selected with columns(omit)
// and, if withKey, one more column (a list's sort key).
func newRowScan(omit content.Part, withKey bool) *rowScan {
	s := &rowScan{omit: omit & allParts}
	for _, c := range resourceRow {
		if c.part == 0 || !s.omit.Has(c.part) {
			s.dest = append(s.dest, c.dest(s))
		}
	}
	if withKey {
		s.dest = append(s.dest, &s.key)
	}
	return s
}

// scan reads one row into a new resource. Targets are reset first: pgx
// may reuse a slice it is given, which belongs to the previous resource.
func (s *rowScan) scan(row interface{ Scan(...any) error }) (*content.Resource, error) {
	s.r = content.Resource{}
	s.origin, s.wReason, s.transOf, s.transStatus, s.wAt, s.sources, s.details = nil, nil, nil, nil, nil, nil, nil
	if err := row.Scan(s.dest...); err != nil {
		return nil, err
	}
	r := new(content.Resource)
	*r = s.r
	if s.origin != nil {
		r.Origin = *s.origin
	}
	if s.transOf != nil {
		r.TranslationOf = *s.transOf
	}
	if s.transStatus != nil {
		r.TranslationStatus = *s.transStatus
	}
	if r.Status == content.StatusWithdrawn && s.wAt != nil {
		r.Withdrawal = &content.Withdrawal{WithdrawnAt: *s.wAt}
		if s.wReason != nil {
			r.Withdrawal.Reason = *s.wReason
		}
	}
	if s.omit.Has(content.PartSources) || string(s.sources) == "[]" {
		r.Sources = []content.Source{}
	} else if err := json.Unmarshal(s.sources, &r.Sources); err != nil {
		return nil, fmt.Errorf("sources of %s: %w", r.Slug, err)
	}
	if !s.omit.Has(content.PartDetails) && string(s.details) != "{}" {
		if err := json.Unmarshal(s.details, &r.Details); err != nil {
			return nil, fmt.Errorf("details of %s: %w", r.Slug, err)
		}
	}
	return r, nil
}

// collectResources scans every row (selected with columns(omit)).
func collectResources(rows pgx.Rows, omit content.Part) ([]*content.Resource, error) {
	defer rows.Close()
	s := newRowScan(omit, false)
	var out []*content.Resource
	for rows.Next() {
		r, err := s.scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// publicJoin joins each resource to its published revision; drafts that were
// never published have none and drop out.
const publicJoin = ` FROM resources r JOIN revisions v ON v.resource_id = r.id AND v.revision = r.published_revision`

// answerable selects published and withdrawn resources (what answers by
// slug or id); listed selects only published ones.
const (
	answerable = ` r.status IN ('PUBLISHED', 'WITHDRAWN')`
	listed     = ` r.status = 'PUBLISHED'`
)

// scanResource scans a whole resource row (resourceColumns).
func scanResource(row pgx.CollectableRow) (*content.Resource, error) {
	return newRowScan(0, false).scan(row)
}

// ResourceBySlug returns the published or withdrawn resource with the slug.
func (db *DB) ResourceBySlug(ctx context.Context, slug string) (*content.Resource, error) {
	return db.ResourceBySlugOmitting(ctx, slug, 0)
}

// ResourceBySlugOmitting is ResourceBySlug without the parts omit names.
// A lookup that asks a card and perhaps the body (every other part
// omitted: the peer kit's lookup) is decoded from the wire (cardScan).
func (db *DB) ResourceBySlugOmitting(ctx context.Context, slug string, omit content.Part) (*content.Resource, error) {
	omit &= allParts
	card := !db.noCardDecoding && (omit == allParts || omit == allParts&^content.PartBody)
	sql := bySlugSQL[omit]
	if sql == "" {
		sql = `SELECT ` + columns(omit) + publicJoin + ` WHERE r.slug = $1 AND` + answerable
	}
	rows, _ := db.pool.Query(ctx, sql, slug)
	var (
		rs  []*content.Resource
		err error
	)
	if card {
		var r *content.Resource
		cs := newCardScan(rows, 1, omit, false)
		for err == nil && rows.Next() {
			if r, _, err = cs.scan(rows, nil); err == nil {
				rs = append(rs, r)
			}
		}
		rows.Close()
		if err == nil {
			err = rows.Err()
		}
	} else {
		rs, err = collectResources(rows, omit)
	}
	if err != nil {
		return nil, fmt.Errorf("resource by slug: %w", domainError(err))
	}
	if len(rs) == 0 {
		return nil, content.Errorf(content.ENOTFOUND, "no resource with slug %q", slug)
	}
	return rs[0], nil
}

// bySlugSQL is the statement of a lookup by slug for each set of omitted
// parts, built once (concatenating it was an allocation per lookup).
var bySlugSQL = func() (out [allParts + 1]string) {
	for omit := range out {
		out[omit] = `SELECT ` + columns(content.Part(omit)) + publicJoin + ` WHERE r.slug = $1 AND` + answerable
	}
	return out
}()

// ResourcesByID returns the published or withdrawn resources with the ids,
// leaving out the parts omit names (a page of search hits that shows titles
// and summaries loads and decodes a fraction of the bytes).
func (db *DB) ResourcesByID(ctx context.Context, ids []int64, omit content.Part) ([]*content.Resource, error) {
	rows, _ := db.pool.Query(ctx, `SELECT `+columns(omit)+publicJoin+` WHERE r.id = ANY($1) AND`+answerable, ids)
	rs, err := collectResources(rows, omit)
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
	where, args := filterSQL(q.Filter, false)
	join := publicJoin
	if q.Editor {
		join = editorJoin
	}
	selectList := columns(q.Omit)
	card := db.cardPath(q)
	if card {
		// Cards from resources alone (migration 011): no join to revisions.
		selectList, join = cardColumns, ` FROM resources r`
		where, args = filterSQL(q.Filter, true)
		where += ` AND r.card_slug IS NOT NULL`
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
	pageSQL := `SELECT ` + selectList + `, ` + key + join + ` WHERE` + pageWhere +
		` ORDER BY ` + by + fmt.Sprintf(` LIMIT $%d`, len(pageArgs))

	var page content.ListPage
	readPage := func(rows pgx.Rows) error {
		s := newRowScan(q.Omit, true)
		var cs *cardScan
		if card && !db.noCardDecoding {
			cs = newCardScan(rows, q.First+1, q.Omit, true)
		}
		page.Resources = make([]*content.Resource, 0, q.First+1)
		page.Cursors = make([]content.Cursor, 0, q.First+1)
		for rows.Next() {
			var (
				r   *content.Resource
				key string
				err error
			)
			if cs != nil {
				r, key, err = cs.scan(rows, s)
			} else {
				r, err = s.scan(rows)
				key = s.key
			}
			if err != nil {
				return err
			}
			r.EditorView = q.Editor
			page.Resources = append(page.Resources, r)
			page.Cursors = append(page.Cursors, content.Cursor{Order: q.Order, Key: key, ID: r.ID})
		}
		return rows.Err()
	}
	if q.NoCount {
		// One statement: a plain query costs less than a pipeline of one.
		rows, err := db.pool.Query(ctx, pageSQL, pageArgs...)
		if err == nil {
			err = readPage(rows)
			rows.Close()
		}
		if err != nil {
			return nil, fmt.Errorf("list resources: %w", domainError(err))
		}
	} else {
		var batch pgx.Batch
		batch.Queue(countSQL, args...).QueryRow(func(row pgx.Row) error { return row.Scan(&page.TotalCount) })
		batch.Queue(pageSQL, pageArgs...).Query(readPage)
		if err := db.pool.SendBatch(ctx, &batch).Close(); err != nil {
			return nil, fmt.Errorf("list resources: %w", domainError(err))
		}
	}
	if len(page.Resources) > q.First {
		page.Resources, page.Cursors = page.Resources[:q.First], page.Cursors[:q.First]
		page.HasNext = true
	}
	page.HasPrevious = q.After != nil
	return &page, nil
}

// cardPath reports whether a page of q reads cards from resources alone
// (migration 011's card columns): a public list that asks nothing beyond a
// card (every part omitted) and filters only on what resources hold (kinds,
// dates of publication, language). A filter on topics, audiences or nations
// keeps the join, whose plan can start from revisions' indexes (a rare
// topic through its GIN index).
func (db *DB) cardPath(q content.ListQuery) bool {
	f := q.Filter
	return !db.noCards && !q.Editor && q.Omit&allParts == allParts && len(f.Statuses) == 0 && !f.ReviewOverdue &&
		len(f.Topics) == 0 && len(f.Audiences) == 0 && len(f.Nations) == 0
}

// filterSQL turns a filter into a WHERE clause of constant fragments and
// its arguments; card: over resources alone (cardPath's filters).
func filterSQL(f content.Filter, card bool) (string, []any) {
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
		if card {
			add("lower(r.card_language) = ANY($%d)", langs)
		} else {
			add("lower(v.language) = ANY($%d)", langs)
		}
	}
	if f.PublishedAfter != nil {
		add("r.published_at >= $%d", *f.PublishedAfter)
	}
	if f.PublishedBefore != nil {
		add("r.published_at <= $%d", *f.PublishedBefore)
	}
	return where, args
}
