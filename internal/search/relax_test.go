package search

import (
	"context"
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"testing"

	"github.com/RoaringBitmap/roaring/v2/roaring64"

	"guidancehub/internal/content"
)

// relaxIndex is the shipped library in several segments after a round of
// withdrawals, edits (other kinds, other languages: English text in
// another group's fields) and copies, so that the
// snapshot has obsolete documents and a document's number depends on its
// segment; also the ids of every live document with its language group,
// and of the withdrawn ones.
func relaxIndex(t *testing.T) (ix *Index, live map[string]string, gone []string) {
	t.Helper()
	rs := shippedResources(t)
	ix = indexOf(t, rs, 13)
	rng := rand.New(rand.NewSource(7))
	var ids []int64
	published := map[int64]*content.Resource{}
	next := int64(100000)
	live = map[string]string{}
	langs := []string{"en", "ar", "fa", "ur", "cy"}
	for _, r := range rs {
		live[docID(r.ID)] = languageGroup(r.Language)
		switch rng.Intn(6) {
		case 0:
			if languageGroup(r.Language) != "en" {
				continue // the few translations stay
			}
			ids = append(ids, r.ID)
			gone = append(gone, docID(r.ID))
			delete(live, docID(r.ID))
		case 1:
			other := rs[rng.Intn(len(rs))]
			c := *r
			c.Kind, c.Language = other.Kind, langs[rng.Intn(len(langs))]
			ids = append(ids, r.ID)
			published[r.ID] = &c
			live[docID(r.ID)] = languageGroup(c.Language)
		case 2:
			c := *r
			c.ID = next
			next++
			ids = append(ids, c.ID)
			published[c.ID] = &c
			live[docID(c.ID)] = languageGroup(c.Language)
		}
	}
	if err := ix.apply(ids, published, 2); err != nil {
		t.Fatal(err)
	}
	return ix, live, gone
}

// relaxQueries are generated queries of two to five clauses: words of the
// library (frequent ones, so that "at least k" counts differ from the
// conjunction's, and any), a word it lacks, quoted phrases, synonym groups
// and words of the translations.
func relaxQueries(t *testing.T, ix *Index, n int, rng *rand.Rand) []string {
	t.Helper()
	frequent := frequentWords(t, ix, 60)
	any := libraryWords(t, ix)
	extra := []string{"zzqxv", `"proof of address"`, "gp", "general practice", "pregnant", "a&e", "يمكن", "ثبت", "-wales", "guidance"}
	var out []string
	for range n {
		var ws []string
		for range 2 + rng.Intn(4) {
			switch rng.Intn(4) {
			case 0, 1:
				ws = append(ws, frequent[rng.Intn(len(frequent))])
			case 2:
				ws = append(ws, any[rng.Intn(len(any))])
			default:
				ws = append(ws, extra[rng.Intn(len(extra))])
			}
		}
		out = append(out, strings.Join(ws, " "))
	}
	return out
}

// TestRelaxCountsAreTheSearches checks relaxOnePass's counts against the
// searches they replace (the oracle: Bleve counting p.match(omit, k) and
// each required clause) for every set of clauses left out and every
// minimum, and its decision against relax's, on generated queries over an
// index with several segments and obsolete documents.
func TestRelaxCountsAreTheSearches(t *testing.T) {
	ix, _, _ := relaxIndex(t)
	idx, done := ix.current()
	defer done()
	ctx, err := withBM25Stats(context.Background(), idx)
	if err != nil {
		t.Fatal(err)
	}
	gs := ix.presentGroups()
	rng := rand.New(rand.NewSource(16))
	plans, counts, relaxed := 0, 0, 0
	for _, text := range relaxQueries(t, ix, 30, rng) {
		cs, err := parseQuery(text)
		if err != nil {
			t.Fatal(err)
		}
		p := buildPlan(expandSynonyms(cs), gs, ix.rank, nil, nil, nil)
		if p == nil || p.browse || len(p.required) < 2 {
			continue
		}
		plans++
		sets := &clauseSets{}
		for _, c := range p.required {
			sets.qs = append(sets.qs, c.q)
		}
		if _, err := idx.SearchInContext(ctx, countRequest(sets)); err != nil {
			t.Fatal(err)
		}
		n := len(p.required)
		for i := range n {
			want, err := count(ctx, idx, p.required[i].q)
			if err != nil {
				t.Fatal(err)
			}
			if got := sets.sets[i].GetCardinality(); got != want {
				t.Errorf("%q clause %q: the set has %d, the search finds %d", text, p.required[i].word, got, want)
			}
		}
		for mask := 0; mask < 1<<n; mask++ {
			omit := map[int]bool{}
			var in []*roaring64.Bitmap
			for i := range n {
				if mask&(1<<i) != 0 {
					omit[i] = true
				} else {
					in = append(in, sets.sets[i])
				}
			}
			for k := 0; k < max(1, len(in)); k++ {
				want, err := count(ctx, idx, p.match(omit, k))
				if err != nil {
					t.Fatal(err)
				}
				if got := atLeast(in, k); got != want {
					t.Errorf("%q leaving out %v, at least %d: %d from the sets, %d from the search", text, omit, k, got, want)
				}
				counts++
			}
		}
		all, err := count(ctx, idx, p.match(nil, 0))
		if err != nil {
			t.Fatal(err)
		}
		// Unknown (relax counts), and known as Search passes it.
		for _, known := range []int64{-1, int64(all)} {
			wantOmit, wantK, err := ix.relax(ctx, idx, p, known)
			if err != nil {
				t.Fatal(err)
			}
			gotOmit, gotK, err := ix.relaxOnePass(ctx, idx, p, known)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(gotOmit) != fmt.Sprint(wantOmit) || (gotOmit == nil) != (wantOmit == nil) || gotK != wantK {
				t.Errorf("%q (known %d): relaxOnePass leaves out %v at least %d, relax %v at least %d", text, known, gotOmit, gotK, wantOmit, wantK)
			}
			if wantOmit != nil {
				relaxed++
			}
		}
	}
	if plans < 20 || relaxed < 10 {
		t.Errorf("%d plans, %d relaxed: the generator misses the cases", plans, relaxed)
	}
	t.Logf("%d plans, %d counts, %d relaxed decisions", plans, counts, relaxed)
}

// TestOmittedWordsOnePass checks omittedOnePass against omittedWords
// (one search per word, the oracle) for generated queries, every live
// document of the index as the best match (their languages edited, in
// segments of their own), withdrawn ones and an id the index never had,
// and random words left out.
func TestOmittedWordsOnePass(t *testing.T) {
	ix, live, gone := relaxIndex(t)
	idx, done := ix.current()
	defer done()
	ctx, err := withBM25Stats(context.Background(), idx)
	if err != nil {
		t.Fatal(err)
	}
	gs := ix.presentGroups()
	// The group the checks are cut to, from the facet tables.
	adv, err := idx.Advanced()
	if err != nil {
		t.Fatal(err)
	}
	r, err := adv.Reader()
	if err != nil {
		t.Fatal(err)
	}
	groups := map[string]bool{}
	for id, want := range live {
		n, err := r.InternalID(id)
		if err != nil || n == nil {
			t.Fatalf("%s: internal id %v, %v", id, n, err)
		}
		if got, err := ix.facets.languageGroupOf(r, n.Value()); err != nil || got != want {
			t.Errorf("%s: language group %q (%v), want %q", id, got, err, want)
		}
		groups[want] = true
	}
	r.Close()
	if len(groups) < 3 {
		t.Errorf("documents of %d language groups: the library misses the cases", len(groups))
	}
	rng := rand.New(rand.NewSource(17))
	var docs []string
	for id := range live {
		docs = append(docs, id)
	}
	slices.Sort(docs)
	docs = append(append(docs, gone...), "", docID(999999))
	checked, missing := 0, 0
	for _, text := range relaxQueries(t, ix, 30, rng) {
		cs, err := parseQuery(text)
		if err != nil {
			t.Fatal(err)
		}
		p := buildPlan(expandSynonyms(cs), gs, ix.rank, nil, nil, nil)
		if p == nil || p.browse {
			continue
		}
		for _, top := range docs {
			omit := map[int]bool{}
			for i := range p.required {
				if rng.Intn(4) == 0 {
					omit[i] = true
				}
			}
			want, err := ix.omittedWords(ctx, idx, p, omit, top)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ix.omittedOnePass(ctx, idx, p, omit, top)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, want) {
				t.Errorf("%q best match %q (group %q) leaving out %v: omittedOnePass %q, omittedWords %q", text, top, live[top], omit, got, want)
			}
			checked++
			if len(want) > len(omit) {
				missing++
			}
		}
	}
	if missing < checked/10 || missing > checked*9/10 {
		t.Errorf("%d checks, %d with a word the best match lacks: the generator misses the cases", checked, missing)
	}
	t.Logf("%d checks, %d with a word the best match lacks", checked, missing)
}

// TestAtLeast checks atLeast against counting each document's sets, on
// random sets.
func TestAtLeast(t *testing.T) {
	rng := rand.New(rand.NewSource(18))
	for range 300 {
		sets := make([]*roaring64.Bitmap, rng.Intn(7))
		in := map[uint64]int{}
		for i := range sets {
			sets[i] = roaring64.New()
			for range rng.Intn(40) {
				d := uint64(rng.Intn(60))
				if rng.Intn(8) == 0 {
					d += 1 << 40
				}
				if !sets[i].Contains(d) {
					sets[i].Add(d)
					in[d]++
				}
			}
		}
		for k := 0; k <= len(sets)+1; k++ {
			want := uint64(0)
			for _, n := range in {
				if k == 0 && n == len(sets) || k > 0 && n >= k {
					want++
				}
			}
			if k > len(sets) {
				want = 0
			}
			if got := atLeast(sets, k); got != want {
				t.Fatalf("%d sets, at least %d: got %d, want %d", len(sets), k, got, want)
			}
		}
	}
}

// TestRelaxFirstMatchesTheReference checks whole pages of the fast path,
// which decides relaxing before the first search (relaxFirst: from the
// clause sets on a small library, from a search stopping at RelaxBelow
// matches on a large one, forced here), against the reference (relax after
// the strict search, one search per count: Index.plain), for generated
// queries under generated filters, in both orders, first and later pages.
func TestRelaxFirstMatchesTheReference(t *testing.T) {
	ix, _, _ := relaxIndex(t)
	rs := shippedResources(t)
	rng := rand.New(rand.NewSource(19))
	pages, relaxed, strict := 0, 0, 0
	for _, setsFirst := range []int{0, -1} {
		ix.setsFirst = setsFirst
		// Queries whose words ten or more resources have together (no
		// relaxing), then generated ones (most relax).
		texts := []string{"gp registration", "register without proof of address", "charging exemptions", "asylum seekers", "safe surgeries", "nhs charges"}
		for _, text := range append(texts, relaxQueries(t, ix, 25, rng)...) {
			q := content.SearchQuery{Text: text, Order: content.SearchRelevance, First: 10}
			if rng.Intn(2) == 0 {
				q.Filter = randomFilter(rng, rs)
			}
			if rng.Intn(4) == 0 {
				q.Order = content.SearchNewest
			}
			if rng.Intn(4) == 0 {
				q.Skip = 10
			}
			comparePages(t, ix, q, fmt.Sprintf("setsFirst %d: %q filter %+v order %v skip %d", setsFirst, q.Text, q.Filter, q.Order, q.Skip))
			if p, err := ix.Search(context.Background(), q); err == nil && p.OmittedWords != nil {
				relaxed++
			} else if err == nil && slices.Contains(texts, text) {
				strict++
			}
			pages++
		}
	}
	ix.setsFirst = 0
	if relaxed < pages/4 || strict < 6 {
		t.Errorf("%d pages, %d relaxed, %d of several words not relaxed: the generator misses the cases", pages, relaxed, strict)
	}
	t.Logf("%d pages, %d relaxed, %d of several words not relaxed", pages, relaxed, strict)
}
