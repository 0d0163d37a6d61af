package testdb

import (
	"context"
	"regexp"
	"slices"
	"sort"
	"testing"

	"github.com/jackc/pgx/v5"

	"guidancehub/internal/render"
)

// Querier is what DanglingLinks reads through (a *pgxpool.Pool).
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// renderedLink is a link to a resource in the HTML the hub renders: an
// href or src whose URL is /resources/slug (then the end, a fragment, a
// query or a slash).
var renderedLink = regexp.MustCompile(`(?:href|src)="/resources/([a-z0-9-]+)[#?/"]`)

// RenderedResourceLinks returns the slugs of the resources a Markdown body
// links to as a reader's page has them, each once, in order: the links of
// the HTML the hub renders from it (render.HTML). It is the oracle of
// content.BodyLinks and of DanglingLinks, independent of the pattern the
// hub finds links with.
func RenderedResourceLinks(body string) []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range renderedLink.FindAllStringSubmatch(render.HTML(body, "en"), -1) {
		if !seen[m[1]] {
			seen[m[1]] = true
			out = append(out, m[1])
		}
	}
	return out
}

// DanglingLinks lists, as "from -> to", the published resources whose
// live revision links (translation_of, related, a link in the body as its
// page renders it: RenderedResourceLinks) to a resource the public cannot
// see: the invariant every door (import, API, withdrawal) keeps, checked
// as the oracle of their tests.
func DanglingLinks(t testing.TB, db Querier) []string {
	t.Helper()
	ctx := context.Background()
	rows, err := db.Query(ctx, `SELECT r.slug, coalesce(v.translation_of, ''), coalesce(v.related, '{}'), v.body FROM resources r
		JOIN revisions v ON v.resource_id = r.id AND v.revision = r.published_revision WHERE r.status = 'PUBLISHED'`)
	if err != nil {
		t.Fatal(err)
	}
	type live struct {
		slug, translationOf string
		related             []string
		body                string
	}
	lives, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (live, error) {
		var l live
		err := r.Scan(&l.slug, &l.translationOf, &l.related, &l.body)
		return l, err
	})
	if err != nil {
		t.Fatal(err)
	}
	public := map[string]bool{}
	for _, l := range lives {
		public[l.slug] = true
	}
	var out []string
	for _, l := range lives {
		targets := slices.Clone(l.related)
		if l.translationOf != "" {
			targets = append(targets, l.translationOf)
		}
		targets = append(targets, RenderedResourceLinks(l.body)...)
		for _, to := range targets {
			if !public[to] {
				out = append(out, l.slug+" -> "+to)
			}
		}
	}
	sort.Strings(out)
	return slices.Compact(out)
}
