package search

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
)

// TestInGroupsKeepsMatchesAndLocations checks inGroups (the highlight
// query cut to the page's language groups) against Bleve: over the
// shipped library's documents of the kept groups, a generated query and
// its cut must match the same documents with the same term locations (what
// the highlighter reads), and a cut reported as matching nothing must
// match none of them. The queries are random trees of the shapes the
// plan builds: match and phrase clauses on the text fields of every group
// and on the shared vocabulary field, conjunctions, disjunctions with
// minimums, and boolean queries with must, should (with minimums) and
// must-not clauses.
func TestInGroupsKeepsMatchesAndLocations(t *testing.T) {
	rs := shippedResources(t)
	ix := indexOf(t, rs, 29)
	idx, done := ix.current()
	defer done()
	byGroup := map[string][]string{}
	for _, r := range rs {
		g := languageGroup(r.Language)
		byGroup[g] = append(byGroup[g], docID(r.ID))
	}
	if len(byGroup) < 3 {
		t.Fatalf("the shipped library has %d language groups; the test needs translations", len(byGroup))
	}
	var present []string
	for g := range byGroup {
		present = append(present, g)
	}
	slices.Sort(present)
	words := []string{"register", "gp", "charges", "asylum", "address", "proof of address", "general practice", "interpreter",
		"يمكن", "طبيب", "پزشک", "ثبت‌نام", "رجسٹر", "جی پی", "GP", "maternity care", "zzqxv"}
	rng := rand.New(rand.NewSource(16))
	leaf := func() query.Query {
		w := words[rng.Intn(len(words))]
		if rng.Intn(8) == 0 {
			fz := bleve.NewFuzzyQuery(w)
			fz.SetField("vocab")
			return fz
		}
		f := field(textFields[rng.Intn(len(textFields))].name, present[rng.Intn(len(present))])
		if rng.Intn(3) == 0 {
			mp := bleve.NewMatchPhraseQuery(w)
			mp.SetField(f)
			return mp
		}
		m := bleve.NewMatchQuery(w)
		m.SetField(f)
		return m
	}
	// pool holds the query's clauses so far: a clause may appear again
	// elsewhere in the tree (the same value), as the plan's tiers repeat
	// its required clauses, which withoutRepeats relies on.
	var pool []query.Query
	var node, tree func(depth int) query.Query
	tree = func(depth int) query.Query {
		if len(pool) > 0 && rng.Intn(4) == 0 {
			return pool[rng.Intn(len(pool))]
		}
		q := node(depth)
		pool = append(pool, q)
		return q
	}
	node = func(depth int) query.Query {
		if depth == 0 || rng.Intn(3) == 0 {
			return leaf()
		}
		kids := func() []query.Query {
			out := make([]query.Query, 1+rng.Intn(4))
			for i := range out {
				out[i] = tree(depth - 1)
			}
			return out
		}
		switch rng.Intn(3) {
		case 0:
			return bleve.NewConjunctionQuery(kids()...)
		case 1:
			d := bleve.NewDisjunctionQuery(kids()...)
			d.SetMin(float64(rng.Intn(3)))
			return d
		default:
			b := bleve.NewBooleanQuery()
			if rng.Intn(3) > 0 {
				b.AddMust(kids()...)
			}
			if rng.Intn(3) > 0 {
				b.AddShould(kids()...)
				b.SetMinShould(float64(rng.Intn(2)))
			}
			if rng.Intn(3) == 0 {
				b.AddMustNot(kids()...)
			}
			if b.Must == nil && b.Should == nil {
				b.AddShould(leaf())
			}
			return b
		}
	}
	run := func(q query.Query, ids []string) (map[string]string, error) {
		req := bleve.NewSearchRequestOptions(bleve.NewConjunctionQuery(bleve.NewDocIDQuery(ids), q), len(ids), 0, false)
		req.IncludeLocations = true
		res, err := idx.Search(req)
		if err != nil {
			return nil, err
		}
		out := map[string]string{}
		for _, h := range res.Hits {
			b, err := json.Marshal(h.Locations) // follows the pointers; sorts map keys
			if err != nil {
				return nil, err
			}
			out[h.ID] = string(b)
		}
		return out, nil
	}
	on := func(w, f string) query.Query {
		m := bleve.NewMatchQuery(w)
		m.SetField(f)
		return m
	}
	// Cases the generator reaches seldom: a should clause with a minimum
	// beside a must, left with nothing; a disjunction left with fewer
	// clauses than its minimum, as a must.
	required := bleve.NewBooleanQuery()
	required.AddMust(on("register", "title_en"))
	required.AddShould(on("يمكن", "title_ar"), on("gp", "body_ar"))
	required.SetMinShould(1)
	optional := bleve.NewBooleanQuery()
	optional.AddMust(on("register", "title_en"))
	optional.AddShould(on("يمكن", "title_ar"))
	short := bleve.NewDisjunctionQuery(on("register", "title_en"), on("gp", "title_ar"), on("gp", "body_ar"))
	short.SetMin(2)
	shortMust := bleve.NewBooleanQuery()
	shortMust.AddMust(short)
	shortMust.AddShould(on("gp", "title_en"))
	// A should clause repeating a clause of a conjunction that matches
	// less often than it: not a repeat (the conjunction reports it only
	// where all of its clauses match).
	reg := on("register", "title_en")
	either := bleve.NewDisjunctionQuery(bleve.NewConjunctionQuery(reg, on("zzqxv", "title_en")), on("gp", "body_en"))
	partRepeat := bleve.NewBooleanQuery()
	partRepeat.AddMust(either)
	partRepeat.AddShould(reg)
	fixed := []query.Query{required, optional, shortMust, partRepeat}

	matched, cut := 0, 0
	for i := 0; i < 400+len(fixed); i++ {
		var q query.Query
		keep := map[string]bool{}
		var ids []string
		if i < len(fixed) {
			q, keep["en"], ids = fixed[i], true, byGroup["en"]
		} else {
			pool = pool[:0]
			q = tree(3)
			for _, g := range present {
				if rng.Intn(2) == 0 {
					keep[g] = true
					ids = append(ids, byGroup[g]...)
				}
			}
			if len(ids) == 0 {
				keep["en"], ids = true, byGroup["en"]
			}
		}
		name := strconv.Itoa(i) + " " + fmt.Sprint(keep)
		want, err := run(q, ids)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got, err := run(withoutRepeats(q), ids); err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: without repeats %v (%v)\nthe query %v", name, got, err, want)
		}
		pq, none := inGroups(withoutRepeats(q), keep)
		if none {
			if len(want) > 0 {
				t.Errorf("%s: the cut matches nothing, the query matches %d documents", name, len(want))
			}
			cut++
			continue
		}
		got, err := run(pq, ids)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: the cut finds %v\nthe query %v", name, got, want)
		}
		if len(want) > 0 {
			matched++
		}
	}
	// The generated trees must reach both outcomes often enough to test them.
	if matched < 30 || cut < 60 {
		t.Errorf("only %d queries matched and %d were cut to nothing", matched, cut)
	}
	t.Logf("%d queries matched documents, %d were cut to nothing", matched, cut)
}

// TestHighlightQueryKeepsLocations checks the whole cut of the highlight
// search (withoutRepeats, then inGroups) on the queries the plan builds:
// generated word lists (synonyms, phrases, exclusions, compounds, words
// in Arabic, Persian and Urdu) as strict queries and relaxed ones with
// every minimum of words (which add the tiers withoutRepeats drops), over
// the shipped library's documents of random language groups: the same
// documents with the same term locations as the query itself (Bleve's
// oracle). It also checks the cut is not a no-op on relaxed queries.
func TestHighlightQueryKeepsLocations(t *testing.T) {
	rs := shippedResources(t)
	ix := indexOf(t, rs, 29)
	idx, done := ix.current()
	defer done()
	byGroup := map[string][]string{}
	for _, r := range rs {
		g := languageGroup(r.Language)
		byGroup[g] = append(byGroup[g], docID(r.ID))
	}
	var present []string
	for g := range byGroup {
		present = append(present, g)
	}
	slices.Sort(present)
	words := []string{"register", "gp", "charges", "asylum", "address", "\"proof of address\"", "general practice", "interpreter",
		"maternity", "health care", "-wales", "يمكن", "طبيب", "پزشک", "رجسٹر", "without", "documents", "pregnant", "exemptions", "zzqxv"}
	rng := rand.New(rand.NewSource(16))
	locations := func(q query.Query, ids []string) map[string]string {
		req := bleve.NewSearchRequestOptions(bleve.NewConjunctionQuery(bleve.NewDocIDQuery(ids), q), len(ids), 0, false)
		req.IncludeLocations = true
		res, err := idx.Search(req)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, h := range res.Hits {
			b, _ := json.Marshal(h.Locations)
			out[h.ID] = string(b)
		}
		return out
	}
	queries, cut, matched := 0, 0, 0
	for i := 0; i < 60; i++ {
		n := 1 + rng.Intn(4)
		var text []string
		for j := 0; j < n; j++ {
			text = append(text, words[rng.Intn(len(words))])
		}
		cs, err := parseQuery(strings.Join(text, " "))
		if err != nil {
			t.Fatal(err)
		}
		p := buildPlan(cs, present, DefaultRanking, nil, nil, nil)
		if p == nil || p.browse {
			continue
		}
		for k := 0; k < max(1, len(p.required)); k++ {
			q := p.query(nil, k)
			keep := map[string]bool{}
			var ids []string
			for _, g := range present {
				if rng.Intn(2) == 0 {
					keep[g] = true
					ids = append(ids, byGroup[g]...)
				}
			}
			if len(ids) == 0 {
				keep["en"], ids = true, byGroup["en"]
			}
			name := fmt.Sprintf("%q min %d groups %v", strings.Join(text, " "), k, keep)
			want := locations(q, ids)
			wr := withoutRepeats(q)
			if k > 1 && fmt.Sprint(wr) != fmt.Sprint(q) {
				cut++
			}
			if got := locations(wr, ids); !reflect.DeepEqual(got, want) {
				t.Errorf("%s: without repeats %v\nthe query %v", name, got, want)
			}
			pq, none := inGroups(wr, keep)
			if none {
				if len(want) > 0 {
					t.Errorf("%s: cut to nothing, the query matches %d documents", name, len(want))
				}
			} else if got := locations(pq, ids); !reflect.DeepEqual(got, want) {
				t.Errorf("%s: cut %v\nthe query %v", name, got, want)
			}
			queries++
			if len(want) > 0 {
				matched++
			}
		}
	}
	if cut == 0 || matched < queries/3 {
		t.Errorf("%d queries, %d matched, %d relaxed ones lost their repeats: the generator misses the cases", queries, matched, cut)
	}
	t.Logf("%d queries, %d matched documents, %d relaxed ones lost their repeats", queries, matched, cut)
}
