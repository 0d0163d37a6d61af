package testdb

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
)

// Querier is what DanglingLinks reads through (a *pgxpool.Pool).
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// DanglingLinks lists, as "from -> to", the published resources whose
// live revision links (translation_of, related, a body link
// /resources/slug) to a resource the public cannot see: the invariant every
// door (import, API) keeps, checked in SQL as the oracle of their tests.
func DanglingLinks(t testing.TB, db Querier) []string {
	t.Helper()
	rows, err := db.Query(context.Background(), `WITH live AS (
		SELECT r.slug, v.translation_of, v.related, v.body FROM resources r
		JOIN revisions v ON v.resource_id = r.id AND v.revision = r.published_revision WHERE r.status = 'PUBLISHED'
	), links AS (
		SELECT slug, translation_of AS target FROM live WHERE translation_of IS NOT NULL
		UNION ALL SELECT slug, unnest(related) FROM live
		UNION ALL SELECT slug, (regexp_matches(body, '\]\(/resources/([a-z0-9-]+)\)', 'g'))[1] FROM live
	)
	SELECT l.slug || ' -> ' || l.target FROM links l
	WHERE NOT EXISTS (SELECT 1 FROM resources r WHERE r.slug = l.target AND r.status = 'PUBLISHED') ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return out
}
