package web

import (
	"bytes"
	"strings"
	"testing"

	"guidancehub/internal/content"
)

// TestLastPageSaysWhereThePagesStop: page 100, the last the search page
// has, of a search with more results says how to see the others
// (breaker10 F2: it showed "991 to 1000 of 1339" with no next link and no
// word); a page with a next page, and the last page of a search that ends
// there, do not.
func TestLastPageSaysWhereThePagesStop(t *testing.T) {
	tmpl := parseTemplates()["search"]
	for _, c := range []struct {
		page    int
		hasNext bool
		want    bool
	}{{maxPage, true, true}, {maxPage, false, false}, {maxPage - 1, true, false}, {1, true, false}} {
		res := &content.SearchResult{Total: 1339, HasNext: c.hasNext, Hits: []content.Hit{{Resource: &content.Resource{ID: 1}}}}
		d := &searchData{P: searchParams{Page: c.page}, Results: res}
		d.Beyond, d.MaxPage = beyondPages(c.page, res.HasNext), maxPage
		var buf bytes.Buffer
		if err := tmpl.ExecuteTemplate(&buf, "resultsSummary", d); err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(buf.String(), "narrow the search with words or filters"); got != c.want {
			t.Errorf("page %d, next %v: the hint shown %v, want %v:\n%s", c.page, c.hasNext, got, c.want, buf.String())
		}
	}
}
