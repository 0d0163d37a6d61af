package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"guidancehub/graph"
	"guidancehub/internal/httpapi"
	"guidancehub/internal/ingest"
	"guidancehub/internal/postgres"
	"guidancehub/internal/service"
	"guidancehub/internal/testdb"
)

// sqlLog records every statement the real pool sends (pgx's tracer).
type sqlLog struct {
	mu  sync.Mutex
	sql []string
}

func (l *sqlLog) observe(s string) { l.mu.Lock(); l.sql = append(l.sql, s); l.mu.Unlock() }

// take returns the statements since the last take.
func (l *sqlLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.sql
	l.sql = nil
	return out
}

func countOf(stmts []string, substr string) int {
	n := 0
	for _, s := range stmts {
		if strings.Contains(s, substr) {
			n++
		}
	}
	return n
}

// TestListsCountOnlyWhenAsked: `resources` sends a count(*) to PostgreSQL
// exactly when totalCount is selected (directly, through a fragment, or
// kept by @include/@skip), and the count it returns equals the number of
// resources reached by paging through the whole list; the page reads the
// body column only when body or bodyHTML is asked for.
func TestListsCountOnlyWhenAsked(t *testing.T) {
	log := &sqlLog{}
	db := testdb.Open(t, postgres.Options{Tracer: &postgres.Tracer{Observe: log.observe}})
	dir := t.TempDir()
	writeLibrary(t, dir, 45)
	if rep, err := ingest.Import(context.Background(), db, dir, false); err != nil || rep.Failed() {
		t.Fatalf("import: %v %v", err, rep.Errors)
	}
	h := httpapi.New(httpapi.Options{GraphQL: graph.NewServer(&graph.Resolver{Reading: service.New(service.Options{Store: db}), PublicURL: "http://x"}, graph.DefaultLimits, slog.New(slog.DiscardHandler))})
	srv := httptest.NewServer(h)
	defer srv.Close()

	// The oracle: walk every page without a count and count the edges.
	walk := func(filter string) int {
		n, after := 0, ""
		for i := 0; i < 20; i++ {
			args := "first: 7" + filter
			if after != "" {
				args += fmt.Sprintf(", after: %q", after)
			}
			r := post(t, srv.URL, `{ resources(`+args+`) { edges { node { slug } } pageInfo { hasNextPage endCursor } } }`, nil)
			if len(r.Errors) > 0 {
				t.Fatalf("walk: %+v", r.Errors)
			}
			n += len(path(r.Data, "resources", "edges").([]any))
			if !path(r.Data, "resources", "pageInfo", "hasNextPage").(bool) {
				return n
			}
			after = path(r.Data, "resources", "pageInfo", "endCursor").(string)
		}
		t.Fatal("walk did not end")
		return 0
	}
	for _, filter := range []string{"", `, filter: {languages: ["ar"]}`, `, filter: {kinds: [GUIDANCE], topics: ["charging"]}`, `, filter: {languages: ["fr"]}`} {
		log.take()
		want := walk(filter)
		if got := countOf(log.take(), "count(*)"); got != 0 {
			t.Errorf("walk%s sent %d counts, want none", filter, got)
		}
		cases := []struct {
			sel   string
			count bool
		}{
			{"totalCount", true},
			{"...on ResourceConnection { totalCount }", true},
			{"...C", true},
			{"totalCount @include(if: $yes)", true},
			{"totalCount @skip(if: $yes)", false},
			{"totalCount @include(if: $no)", false},
			{"pageInfo { hasNextPage }", false},
			{"edges { node { title } }", false},
		}
		for _, c := range cases {
			q := `query($yes: Boolean!, $no: Boolean!) { resources(first: 3` + filter + `) { ` + c.sel + ` edges { cursor } __typename @include(if: $yes) @skip(if: $no) } }
			fragment C on ResourceConnection { totalCount }`
			if !strings.Contains(c.sel, "...C") {
				q = strings.Replace(q, "fragment C on ResourceConnection { totalCount }", "", 1)
			}
			r := post(t, srv.URL, q, map[string]any{"yes": true, "no": false})
			if len(r.Errors) > 0 {
				t.Fatalf("%s%s: %+v", c.sel, filter, r.Errors)
			}
			stmts := log.take()
			counts := countOf(stmts, "count(*)")
			if c.count {
				if counts != 1 {
					t.Errorf("%s%s: %d counts sent, want 1", c.sel, filter, counts)
				}
				if got := int(path(r.Data, "resources", "totalCount").(float64)); got != want {
					t.Errorf("%s%s: totalCount %d, want %d (pages walked)", c.sel, filter, got, want)
				}
			} else if counts != 0 {
				t.Errorf("%s%s: %d counts sent, want none: %q", c.sel, filter, counts, stmts)
			}
			if n := countOf(stmts, "v.body"); n != 0 {
				t.Errorf("%s%s: the page read the body column (%d statements)", c.sel, filter, n)
			}
		}
	}
	// Asked for, the body is read and returned whole.
	for _, field := range []string{"body", "bodyHTML"} {
		r := post(t, srv.URL, `{ resources(first: 5) { edges { node { `+field+` } } } }`, nil)
		if len(r.Errors) > 0 {
			t.Fatalf("%s: %+v", field, r.Errors)
		}
		if countOf(log.take(), "v.body") == 0 {
			t.Errorf("%s: no statement read the body column", field)
		}
		for _, e := range path(r.Data, "resources", "edges").([]any) {
			if b, _ := path(e, "node", field).(string); !strings.Contains(b, "Filler words") {
				t.Errorf("%s: %q lacks the body text", field, b)
			}
		}
	}
}
