package search

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"

	"guidancehub/internal/content"
)

// Search runs a search and returns ids with scores, highlights and facets.
func (ix *Index) Search(ctx context.Context, q content.SearchQuery) (*content.SearchPage, error) {
	if !ix.ready.Load() {
		return nil, errNotReady
	}
	t0 := time.Now()
	defer func() { ix.m.latency.Observe(time.Since(t0).Seconds()) }()

	clauses, err := parseQuery(q.Text)
	if err != nil {
		return nil, err
	}
	idx, done := ix.current()
	defer done()
	if ctx, err = withBM25Stats(ctx, idx); err != nil {
		return nil, err
	}
	ctx = withAnalysisMemo(ctx)
	loadVocab := func() (map[string]uint64, error) { return vocabFrom(idx) }

	gs := ix.presentGroups()
	qe := &queryEnv{}
	live, release, err := liveCounts(idx)
	if err != nil {
		return nil, err
	}
	defer release()
	if terms, byLen, err := ix.vocab.load(loadVocab); err == nil {
		qe.terms, qe.byLen = terms, byLen
		qe.known = func(w string) bool { _, ok := terms[w]; return ok }
		docs, err := idx.DocCount()
		if err == nil && docs >= minDocsForCommon {
			qe.common = func(w string) bool { return float64(live(w)) > commonShare*float64(docs) }
		}
		if err == nil {
			qe.idf = func(w string) float64 {
				n := float64(live(w))
				return math.Log(1 + (float64(docs)-n+0.5)/(n+0.5))
			}
		}
	}
	known := qe.known
	// Each exclusion leaves out exactly what its word or phrase alone
	// finds (README: "X -Y finds exactly what X finds less what Y
	// finds"; breaker7 F13): the same steps as a search for it.
	for i, c := range clauses {
		if c.exclude && !c.stop {
			if clauses[i].alone, err = ix.aloneQuery(ctx, idx, qe, c, gs); err != nil {
				return nil, err
			}
			clauses[i].aloneSet = true
		}
	}
	clauses, searched, tags, err := ix.prepareClauses(ctx, idx, qe, clauses, gs)
	if err != nil {
		return nil, err
	}
	p := buildPlan(searched, gs, ix.rank, known, qe.common, qe.idf)
	var textQ query.Query
	var omit map[int]bool
	var k int
	langRelaxed := false
	// unpairedQ is textQ without its neighbouring-word phrases, when
	// textQ is the plan's own query (see run).
	var unpairedQ, supersetQ query.Query
	// ownQuery: textQ is the plan's strict query itself (no language
	// named first).
	ownQuery := false
	if p != nil {
		full := p.query(nil, 0)
		// A language the query names: its resources first.
		if textQ, langRelaxed, err = ix.languageFirst(ctx, idx, p, full, tags); err != nil {
			return nil, err
		}
		if textQ == full {
			unpairedQ, supersetQ = p.unpaired(nil, 0), p.superset(nil, 0)
			ownQuery = !langRelaxed
		}
	}
	browse := p == nil || p.browse
	order := q.Order
	if browse {
		order = content.SearchNewest // browsing: newest first
	}
	sortBy := []string{"-_score", "-published", "-_id"}
	if !ix.rank.Recency {
		sortBy = []string{"-_score", "-_id", "-published"}
	}
	if order == content.SearchNewest {
		sortBy = []string{"-published", "-_id"}
	}
	fp := fingerprint(cursorText(clauses), q.Filter, order)
	// first is how many hits the search collects: the page and the
	// results it skips (q.Skip), which are dropped below.
	first := q.First + q.Skip
	var after []string
	// past: the cursor is past rerank's candidates (see pairCandidates).
	past := false
	if q.After != "" {
		if after, past, err = decodeCursor(q.After, fp, sortBy); err != nil {
			return nil, err
		}
	}

	// run searches for one page with textQ under the filter. In relevance
	// order the page is collected by relevanceTop (see collect.go), which
	// reads sort keys only for hits that can enter the page; with
	// unpairedQ (textQ without its phrase pairs, or nil), by rerankTop
	// (see rerank.go), which scores only the best hits of unpairedQ with
	// textQ; with supersetQ (a cheap query that finds at least textQ's
	// matches, or nil), only over supersetQ's matches (restrictedQuery).
	//
	// With facets, the filter is applied by a facetQuery, which counts
	// them in the same pass (facets.go); counted is its counter for the
	// last search run. Index.plain keeps Bleve's facet builders and one
	// more search per facet whose filter is set: the reference.
	var counted *facetCounter
	// counters are every counter run made: a count postponed past the
	// search holds its snapshot until settled or released.
	var counters []*facetCounter
	defer func() {
		for _, c := range counters {
			c.release()
		}
	}()
	var run func(textQ, unpairedQ, supersetQ query.Query) (*bleve.SearchResult, []*search.DocumentMatch, error)
	run = func(textQ, unpairedQ, supersetQ query.Query) (*bleve.SearchResult, []*search.DocumentMatch, error) {
		var fc *facetCounter
		if !q.NoFacets && !ix.plain {
			fc = newFacetCounter(&ix.facets, q.Filter)
			fc.setsRan, fc.setsMissed, fc.bySearcher = ix.facetSetsRan, ix.facetSetsMissed, ix.facetSetsBySearcher
			counters = append(counters, fc)
		}
		// sets: fc counts from the postings' sets in the collector's
		// handler maker (facetsets.go) and the search runs under the
		// filter, which the fast scorer takes.
		sets := false
		// filtered is a query under the filter: a facetQuery counting
		// the facets of every match of the query, or the filter itself.
		filtered := func(tq query.Query) query.Query {
			if fc != nil {
				return &facetQuery{text: tq, c: fc}
			}
			return withFilters(tq, q.Filter, "")
		}
		req := bleve.NewSearchRequestOptions(filtered(textQ), first+1, 0, false)
		sctx := ctx
		var top *relevanceTop
		var rerank *rerankTop
		if sortBy[0] == "-_score" && ix.rank.Recency && !ix.plain {
			if top, err = newRelevanceTop(first+1, after); err != nil {
				return nil, nil, content.FieldErrorf("after", "not a valid cursor for this search")
			}
			req.Size = 0
			sctx = top.context(ctx)
			// The same k for every page of a search: its pages are
			// slices of one order (breaker9 F4).
			k := pairCandidates
			if ix.candidates > 0 {
				k = ix.candidates
			}
			// Both passes pay only in an index larger than the
			// candidates: in a small one a search is cheap and the
			// extra passes would only add their searchers' set-up.
			if docs, err := idx.DocCount(); err == nil && docs > uint64(k) {
				// A query whose pairs are all marked reads no positions:
				// one exact pass, unless its tree is large (many synonym
				// alternatives), where rerank's first pass without the
				// pairs prunes better (issue 15 note).
				leaves := singlePassLeaves
				if ix.singleLeaves != 0 {
					leaves = ix.singleLeaves
				}
				n, positions := queryShape(textQ)
				if unpairedQ != nil && (positions || n > leaves) {
					// The candidates are under the filter already, and a
					// filter adds nothing to a score. (When every pair is
					// marked, the one pass below is exact and cheaper.)
					rerank = newRerankTop(top, textQ, idx.Mapping(), k)
					rerank.fast = !ix.slowScore
					rerank.idsOnly = past
					req.Query = filtered(unpairedQ)
					sctx = rerank.context(ctx)
				}
				if ix.passed != nil {
					ix.passed(rerank != nil)
				}
				if supersetQ != nil {
					inner := textQ
					if rerank != nil {
						inner = unpairedQ
					}
					if fc != nil {
						// The facetQuery reads the index's own segments
						// (not restrictedQuery's view of them) and counts
						// the documents outside the filter too, so it goes
						// outside the restriction.
						req.Query = filtered(&restrictedQuery{superset: supersetQ, exact: inner})
					} else {
						req.Query = &restrictedQuery{superset: withFilters(supersetQ, q.Filter, ""), exact: req.Query}
					}
				}
			}
		} else {
			req.SortBy(sortBy)
			if after != nil {
				req.SearchAfter = after
			}
		}
		// A facetQuery over a text query that is a set expression: the
		// facets come from sets instead (relevance order: the handler
		// maker of relevanceTop or rerankTop is where they are counted).
		if fq, ok := req.Query.(*facetQuery); ok && top != nil && !ix.noFacetSets && setShaped(fq.text) {
			req.Query = withFilters(fq.text, q.Filter, "")
			sctx = withFacetSets(sctx, fc, fq.text, memoMapping(ctx, idx.Mapping()))
			sets = true
		}
		if !q.NoFacets && ix.plain {
			for _, f := range facetFields {
				req.AddFacet(f.name, bleve.NewFacetRequest(f.field, f.size))
			}
		}
		if ix.plain && !browse && !q.NoHighlights {
			req.Highlight = highlightRequest(gs)
		}
		res, err := ix.searchRequest(sctx, idx, req, top, rerank, fc == nil || sets)
		if err != nil {
			return nil, nil, fmt.Errorf("search: %w", err)
		}
		counted = fc
		if top == nil {
			return res, res.Hits, nil
		}
		hits := top.hits()
		if rerank != nil && rerank.candIDs != nil && (past || res.Total > uint64(len(rerank.candIDs))) {
			// A page that reaches past the candidates: the other
			// matches follow them, in the full query's order.
			var from []string
			skip := rerank.candIDs
			if past {
				from = after
				if res.Total <= uint64(len(rerank.cands)) {
					// The search has shrunk to its candidates since the
					// cursor (breaker10 F3: withdrawals): every match
					// after the cursor in the full query's order.
					skip = nil
				}
			}
			more, err := ix.pastCandidates(ctx, idx, withFilters(textQ, q.Filter, ""), first+1-len(hits), from, skip)
			if err != nil {
				return nil, nil, err
			}
			hits = append(hits, more...)
		}
		return res, hits, nil
	}

	// Every required word must match first. Only when fewer than
	// Ranking.RelaxBelow resources have them all under the filter is the
	// whole library asked whether to relax (see relax): a filtered search
	// that finds enough finds enough without the filter (and without the
	// exclusions, which relaxing ignores) too.
	//
	// relaxFirst decides it before any search when textQ is the plan's
	// own query: fewer than RelaxBelow resources of the library have every
	// word exactly when relax is asked and counts fewer (textQ under the
	// filter finds no more than that), and when it relaxes, the strict
	// search's page would be thrown away.
	decided := false
	if !ix.plain && !browse && ownQuery && len(p.required) >= 2 {
		if omit, k, err = ix.relaxFirst(ctx, idx, p); err != nil {
			return nil, err
		}
		decided = true
	}
	var res *bleve.SearchResult
	var hits []*search.DocumentMatch
	if omit == nil {
		if res, hits, err = run(textQ, unpairedQ, supersetQ); err != nil {
			return nil, err
		}
	}
	if !browse && !decided && res.Total < uint64(max(1, ix.rank.RelaxBelow)) {
		known := int64(-1)
		if len(p.exclude) == 0 && len(p.languages) == 0 {
			if !filterActive(q.Filter) {
				known = int64(res.Total)
			} else if counted != nil {
				// The facet pass saw every match without the filter.
				if err := counted.settle(); err != nil {
					return nil, err
				}
				known = int64(counted.seen)
			}
		}
		// Relaxing is decided over the whole library, not under the
		// filter: a facet's count must equal the total of the same search
		// filtered to that value, which a filter-dependent decision breaks.
		relax := ix.relaxOnePass
		if ix.plain {
			relax = ix.relax
		}
		if omit, k, err = relax(ctx, idx, p, known); err != nil {
			return nil, err
		}
	}
	if omit != nil {
		full := p.query(omit, k)
		if textQ, langRelaxed, err = ix.languageFirst(ctx, idx, p, full, tags); err != nil {
			return nil, err
		}
		unpairedQ, supersetQ = nil, nil
		if textQ == full {
			unpairedQ, supersetQ = p.unpaired(omit, k), p.superset(omit, k)
		}
		if res, hits, err = run(textQ, unpairedQ, supersetQ); err != nil {
			return nil, err
		}
	}
	// anyQ is the fallback under a filter (see below): resources with
	// any of the words, most words first.
	var anyQ query.Query
	if p != nil && !p.browse && k != 1 && len(p.required)-len(omit) >= 2 && filterActive(q.Filter) {
		anyQ = p.query(omit, 1)
	}
	relaxed := omit != nil || langRelaxed
	// No dead end under a filter: when the query as decided over the
	// library finds nothing under the filter because its words are
	// together in no resource there (exclusions aside), the search falls
	// back to the resources under the filter with any of the words, most
	// words first. Facets follow the same rule per value (below).
	libQ, libCounted, fellBack := textQ, counted, false
	if anyQ != nil && res.Total == 0 {
		none := true
		if len(p.exclude) > 0 {
			n, err := count(ctx, idx, withFilters(p.match(omit, k), q.Filter, ""))
			if err != nil {
				return nil, err
			}
			none = n == 0
		}
		if none {
			if res, hits, err = run(anyQ, p.unpaired(omit, 1), p.superset(omit, 1)); err != nil {
				return nil, err
			}
			textQ, fellBack, relaxed = anyQ, true, true
		}
	}
	page := &content.SearchPage{Total: int(res.Total), HasPrevious: q.After != "" || q.Skip > 0}
	if relaxed {
		// The best match: the search's first hit (hits[0]: the hits Skip
		// passes over are still there), or after a cursor or in newest
		// order the first hit of a search in relevance order.
		top := ""
		if q.After == "" && q.Order != content.SearchNewest {
			if len(hits) > 0 {
				top = hits[0].ID
			}
		} else {
			tr := bleve.NewSearchRequestOptions(withFilters(textQ, q.Filter, ""), 1, 0, false)
			tr.SortBy([]string{"-_score", "-published", "-_id"})
			r, err := idx.SearchInContext(ctx, tr)
			if err != nil {
				return nil, fmt.Errorf("search: %w", err)
			}
			if len(r.Hits) > 0 {
				top = r.Hits[0].ID
			}
		}
		omitted := ix.omittedOnePass
		if ix.plain {
			omitted = ix.omittedWords
		}
		if top == "" {
			// No result, so no best result to lack a word (breaker5 F12:
			// under a filter every word was "left out" above "No results").
			page.OmittedWords = []string{}
		} else if page.OmittedWords, err = omitted(ctx, idx, p, omit, top); err != nil {
			return nil, err
		}
		// A longer query ranks a resource that matches most of the words
		// well above one that has them all (see plan.matching): the
		// results then leave out no word that a resource under the filter
		// has with every other (breaker5 F1), only the words no resource
		// has.
		if len(page.OmittedWords) > len(omit) && !p.browse {
			every := query.Query(p.everyWord(omit))
			if len(p.exclude) > 0 {
				b := bleve.NewBooleanQuery()
				b.AddMust(every)
				b.AddMustNot(p.exclude...)
				every = b
			}
			n, err := count(ctx, idx, withFilters(every, q.Filter, ""))
			if err != nil {
				return nil, err
			}
			if n > 0 {
				page.OmittedWords = page.OmittedWords[:0]
				for i, c := range p.required {
					if omit[i] {
						page.OmittedWords = append(page.OmittedWords, c.word)
					}
				}
			}
		}
	}
	if len(hits) > first {
		hits, page.HasNext = hits[:first], true
	}
	hits = hits[min(q.Skip, len(hits)):]
	var frags map[string]search.FieldFragmentMap
	if !browse && !q.NoHighlights && len(hits) > 0 && !ix.plain {
		// The facets postponed past the search are counted meanwhile.
		err = settleDuring(func() error {
			var err error
			frags, page.Resources, err = ix.highlightPage(ctx, idx, textQ, typedJoined(q.Text), hits, gs)
			return err
		}, libCounted, counted)
		if err != nil {
			return nil, err
		}
		if page.Resources != nil {
			page.ResourcesOmit = textParts
		}
	}
	for _, h := range hits {
		id, err := parseDocID(h.ID)
		if err != nil {
			continue
		}
		if frags != nil {
			h.Fragments = frags[h.ID]
		}
		hit := content.SearchHit{ID: id, Score: h.Score, Cursor: encodeCursor(fp, sortValues(h, sortBy), pastHit(h)), Highlights: highlights(h)}
		page.Hits = append(page.Hits, hit)
	}
	// Each facet ignores its own filter. Each value counts what choosing
	// it finds: the query as decided over the library where its words
	// (exclusions aside) are together in a resource under that value,
	// else, when this search fell back, the fallback. (The facets of
	// fields without a filter are the main request's: after a fallback the
	// decided query finds nothing under any of their values.)
	if !q.NoFacets && !ix.plain {
		if err := settleAll(libCounted, counted); err != nil {
			return nil, err
		}
		if page.Facets, err = ix.pageFacets(ctx, idx, q.Filter, libCounted, counted, fellBack, p, omit, k); err != nil {
			return nil, err
		}
	}
	if !q.NoFacets && ix.plain {
		page.Facets = facetsFrom(res.Facets)
	}
	for _, f := range facetFields {
		if q.NoFacets || !ix.plain || !filterSet(q.Filter, f.name) {
			continue
		}
		counts := func(tq query.Query) (map[string]int, error) {
			fr := countRequest(withFilters(tq, q.Filter, f.name))
			fr.AddFacet(f.name, bleve.NewFacetRequest(f.field, f.size))
			r, err := idx.SearchInContext(ctx, fr)
			if err != nil {
				return nil, fmt.Errorf("search facets: %w", err)
			}
			out := map[string]int{}
			for _, v := range facetValues(r.Facets[f.name]) {
				out[v.Value] = v.Count
			}
			return out, nil
		}
		decided, err := counts(libQ)
		if err != nil {
			return nil, err
		}
		if fellBack {
			together := decided
			if len(p.exclude) > 0 {
				if together, err = counts(p.match(omit, k)); err != nil {
					return nil, err
				}
			}
			fallback, err := counts(anyQ)
			if err != nil {
				return nil, err
			}
			for v, n := range fallback {
				if together[v] == 0 {
					decided[v] = n
				}
			}
		}
		setFacet(&page.Facets, f.name, sortedFacet(decided))
	}

	if !browse && q.After == "" && q.Skip == 0 && !q.NoSuggestion {
		s, err := ix.suggestion(ctx, idx, clauses, gs, known, q.Filter)
		if err != nil {
			return nil, err
		}
		if s != "" {
			page.Suggestion = &s
		}
	}
	return page, nil
}

// highlightRequest asks for HTML highlights of the text fields shown
// (title, summary, body) of the language groups gs.
func highlightRequest(gs []string) *bleve.HighlightRequest {
	h := bleve.NewHighlightWithStyle(SnippetHighlighter)
	for _, g := range gs {
		for _, tf := range textFields {
			if tf.name != "extra" {
				h.AddField(field(tf.name, g))
			}
		}
	}
	return h
}

// countRequest is a request for the number of matches only: no hits, and
// no scores (Bleve then intersects and unites posting lists without
// computing frequencies or norms).
func countRequest(q query.Query) *bleve.SearchRequest {
	r := bleve.NewSearchRequestOptions(q, 0, 0, false)
	r.Score = bleve.ScoreNone
	return r
}

// A word in more than commonShare of the resources is optional (see
// buildPlan), once the library has minDocsForCommon resources.
const (
	commonShare      = 0.7
	minDocsForCommon = 20
)

// maxSuggestionTries is how many corrected queries a search tries.
const maxSuggestionTries = 3

// suggestion returns a corrected query, or "". It corrects only words
// that are neither in the British English dictionary nor in the library
// (nor acronyms, names, numbers or stop words), to a close library word
// that is not a stem variant of the typed one, and offers the correction
// only when it helps: more resources have every word of the corrected
// query than of the query as typed (matching words exactly, without typo
// tolerance), under the same filter, or as many but with the words as
// written in the library rather than through a shared stem ("chargeing"
// finds what "charging" finds only because both stem to "charg").
func (ix *Index) suggestion(ctx context.Context, idx bleve.Index, clauses []clause, gs []string, known func(string) bool, f content.Filter) (string, error) {
	terms, byLen, err := ix.vocab.load(func() (map[string]uint64, error) { return vocabFrom(idx) })
	if err != nil {
		return "", nil
	}
	sp := speller{terms: terms, byLen: byLen, stem: stemmer(idx), matches: ix.findsAlone(ctx, idx, gs)}
	tries := sp.suggestions(clauses, maxSuggestionTries)
	if len(tries) == 0 {
		return "", nil
	}
	exact := ix.rank
	exact.Typos = false
	count := func(cs []clause) (uint64, error) {
		p := buildPlan(cs, gs, exact, known, nil, nil)
		if p == nil {
			return 0, nil
		}
		r, err := idx.SearchInContext(ctx, countRequest(withFilters(p.query(nil, 0), f, "")))
		if err != nil {
			return 0, fmt.Errorf("search: %w", err)
		}
		return r.Total, nil
	}
	typed, err := count(clauses)
	if err != nil {
		return "", err
	}
	for _, cs := range tries {
		n, err := count(expandSynonyms(cs))
		if err != nil {
			return "", err
		}
		if n > typed || n > 0 && n == typed {
			return suggestionText(cs), nil
		}
	}
	return "", nil
}

// findsAlone returns whether a word alone matches a resource's text in
// any language group (without typo tolerance): speller.matches. An error
// counts as no match (the word is then treated as before).
func (ix *Index) findsAlone(ctx context.Context, idx bleve.Index, gs []string) func(string) bool {
	exact := ix.rank
	exact.Typos = false
	return func(w string) bool {
		n, err := count(ctx, idx, textQuery(clause{text: w}, gs, exact, nil))
		return err == nil && n > 0
	}
}

// stemmer returns the English stem of a word with the index's English
// analyzer, or nil.
func stemmer(idx bleve.Index) func(string) string {
	a := idx.Mapping().AnalyzerNamed(analyzerFor("en"))
	if a == nil {
		return nil
	}
	return func(w string) string {
		ts := a.Analyze([]byte(w))
		if len(ts) == 0 {
			return w
		}
		return string(ts[0].Term)
	}
}

// joinedWords returns the words of a typed word joined by punctuation
// ("asylum/refugee", "ICB/CCG", "gp–charging", "gp.charging"), each with
// its synonyms, or nil for any other clause. Such a word is first searched
// as one (spellings: the phrase and the word written together); when no
// resource has it so, splitUnusedGroups searches its words (breaker4 F10:
// "asylum/refugee" found nothing). "A&E" is kept whole.
func joinedWords(c clause) []clause {
	// A text with a space came from a ligature NFKC spells out ("ﷺ"):
	// not a typed join.
	if c.phrase || c.stop || c.join != "" || len(c.alternatives) > 0 || strings.ContainsAny(c.text, "& ") {
		return nil
	}
	// Zero-width (non-)joiners are part of Persian and Arabic words,
	// apostrophes of English ones ("they're").
	if !strings.ContainsFunc(c.text, func(r rune) bool {
		return !isWordRune(r) && !unicode.Is(unicode.Mn, r) && r != '\u200c' && r != '\u200d' && r != '\'' && r != '\u2019'
	}) {
		return nil
	}
	parts := splitWord(c.text)
	if len(parts) < 2 {
		return nil
	}
	var out []clause
	for _, p := range parts {
		out = append(out, expandSynonyms([]clause{{text: p, capital: c.capital}})...)
	}
	return out
}

// hyphenJoined is a hyphenated word of which the index keeps one part
// only, written joined, when the library has it so: "in-patient" is
// indexed as "patient" (the stop word "in" dropped), so its parts' phrase
// finds every "patient" (breaker5 F35); the library's "inpatient" is what
// it means. A word with two parts kept ("face-to-face") keeps its exact
// phrase, and one without a joined form in the library ("follow-up")
// finds what its words find (review6 R1: both found nothing otherwise,
// although the library writes them so).
func hyphenJoined(c clause, known func(string) bool) (string, bool) {
	if c.phrase || c.exclude || c.join != "" || len(c.alternatives) > 0 || known == nil {
		return "", false
	}
	parts := splitWord(c.text)
	if len(parts) < 2 {
		return "", false
	}
	kept := 0
	for _, p := range parts {
		if !droppedWord(p) {
			kept++
		}
	}
	joined := strings.Join(parts, "")
	if kept != 1 || !known(joined) {
		return "", false
	}
	return joined, true
}

// splitUnusedGroups replaces each synonym clause that joined several typed
// words ("clinical commissioning group"), and each word joined by
// punctuation (joinedWords), that no resource of the library matches, with
// its words: the group would otherwise be one
// required clause matching nothing, which relaxing can only leave out, so
// the query would find nothing although its words are in the library
// (README: a query finds nothing only when none of its words is in a
// resource). A group the library uses stays whole.
func (ix *Index) splitUnusedGroups(ctx context.Context, idx bleve.Index, cs []clause, gs []string) ([]clause, error) {
	var out []clause
	for i, c := range cs {
		joined := joinedWords(c)
		if (len(c.typed) < 2 && joined == nil) || c.exclude {
			if out != nil {
				out = append(out, c)
			}
			continue
		}
		n, err := count(ctx, idx, textQuery(c, gs, ix.rank, nil))
		if err != nil {
			return nil, err
		}
		if n > 0 {
			if out != nil {
				out = append(out, c)
			}
			continue
		}
		if out == nil {
			out = append(make([]clause, 0, len(cs)+len(c.typed)), cs[:i]...)
		}
		if joined != nil {
			out = append(out, joined...)
			continue
		}
		out = append(out, c.splitWords()...)
	}
	if out == nil {
		return cs, nil
	}
	return out, nil
}

// relax returns the required clauses the query to run leaves out
// entirely (nil when it is the strict query) and how many of the others
// it asks for (0: all), to run as p.query(omit, k). Every required word must
// match first; only when that finds nothing, or fewer than
// Ranking.RelaxBelow resources, does it relax: when nothing has every
// word, it leaves out the words that match nothing at all under the
// filter; then it asks for as many of the rest as at least RelaxBelow
// resources have (or as any resource has), resources matching more words
// first (see plan.query). A query whose words all match nothing finds
// nothing.
//
// Exclusions take no part in the decision: "X -Y" relaxes as X does, so
// it finds what X finds less what Y finds.
//
// known is the number of matches of p.match(nil, 0) over the whole
// library when the caller has it, else -1.
//
// relax asks one search per count: the reference (Index.plain) for
// relaxOnePass (relax.go), which Search uses.
func (ix *Index) relax(ctx context.Context, idx bleve.Index, p *plan, known int64) (map[int]bool, int, error) {
	match := func(omit map[int]bool, k int) (uint64, error) { return count(ctx, idx, p.match(omit, k)) }
	clause := func(i int) (uint64, error) { return count(ctx, idx, p.required[i].q) }
	return decideRelax(p, known, uint64(max(1, ix.rank.RelaxBelow)), match, clause)
}

// relaxLevel is what relax's loop finds (from k = left-1 down, the first
// k that reaches enough resources, or else the largest k that finds as
// many as any), by binary search: count(k), the resources with at least
// k of the left words, never grows with k. all is the count with every
// word; it returns 0, all when no k finds more.
func relaxLevel(count func(int) (uint64, error), left int, all, enough uint64) (int, uint64, error) {
	most, err := count(1)
	if err != nil {
		return 0, 0, err
	}
	target := min(most, enough)
	if target <= all {
		return 0, all, nil
	}
	// The largest k in [1, left-1] with count(k) >= target.
	lo, hi, best, bestN := 1, left-1, 1, most
	for lo <= hi {
		mid := (lo + hi) / 2
		n, err := count(mid)
		if err != nil {
			return 0, 0, err
		}
		if n >= target {
			best, bestN, lo = mid, n, mid+1
		} else {
			hi = mid - 1
		}
	}
	return best, bestN, nil
}

// omittedWords returns the required words the best match (doc id top) of
// a relaxed search lacks as typed (planClause.exact: a word it has only
// through a typo's correction is lacking: "ealing" is not "making"), and the words omit left out entirely, one
// search per word: the reference (Index.plain) for omittedOnePass
// (relax.go), which Search uses.
func (ix *Index) omittedWords(ctx context.Context, idx bleve.Index, p *plan, omit map[int]bool, top string) ([]string, error) {
	words := []string{}
	for i, c := range p.required {
		if !omit[i] && top != "" {
			one := bleve.NewConjunctionQuery(bleve.NewDocIDQuery([]string{top}), c.exact)
			r, err := idx.SearchInContext(ctx, countRequest(one))
			if err != nil {
				return nil, fmt.Errorf("search: %w", err)
			}
			if r.Total > 0 {
				continue
			}
		}
		words = append(words, c.word)
	}
	return words, nil
}

// withFilters combines the text query (or match-all) with the filter's
// restrictions, leaving out the one named by skip (for facet counts). Each
// filter field is a disjunction of its values and the fields are combined
// in one conjunction, as resources(filter:) combines them in SQL. The
// conjunction is added with a single AddFilter call: Bleve v2.6.3's
// BooleanQuery.AddFilter replaces the filter (search/query/boolean.go sets
// q.Filter = m), so a second call would drop the first restriction.
func withFilters(textQ query.Query, f content.Filter, skip string) query.Query {
	b := bleve.NewBooleanQuery()
	if textQ != nil {
		b.AddMust(textQ)
	} else {
		b.AddMust(bleve.NewMatchAllQuery())
	}
	var all []query.Query
	terms := func(fieldName string, values []string) {
		if len(values) == 0 {
			return
		}
		var qs []query.Query
		for _, v := range values {
			t := bleve.NewTermQuery(v)
			t.SetField(fieldName)
			qs = append(qs, t)
		}
		all = append(all, bleve.NewDisjunctionQuery(qs...))
	}
	if skip != "kinds" {
		kinds := make([]string, len(f.Kinds))
		for i, k := range f.Kinds {
			kinds[i] = string(k)
		}
		terms("kind", kinds)
	}
	if skip != "topics" {
		terms("topics", f.Topics)
	}
	if skip != "audiences" {
		terms("audiences", f.Audiences)
	}
	if skip != "nations" {
		terms("nations", f.Nations)
	}
	if skip != "languages" {
		langs := make([]string, len(f.Languages))
		for i, l := range f.Languages {
			langs[i] = strings.ToLower(l)
		}
		terms("language", langs)
	}
	if skip != "years" && (f.PublishedAfter != nil || f.PublishedBefore != nil) {
		lo, hi := "0000-00-00", "9999-99-99"
		if f.PublishedAfter != nil {
			lo = f.PublishedAfter.Format(content.DateLayout)
		}
		if f.PublishedBefore != nil {
			hi = f.PublishedBefore.Format(content.DateLayout)
		}
		yes := true
		r := bleve.NewTermRangeInclusiveQuery(lo, hi, &yes, &yes)
		r.SetField("published")
		all = append(all, r)
	}
	switch len(all) {
	case 0:
	case 1:
		b.AddFilter(all[0])
	default:
		b.AddFilter(bleve.NewConjunctionQuery(all...))
	}
	return b
}

func filterSet(f content.Filter, facet string) bool {
	switch facet {
	case "kinds":
		return len(f.Kinds) > 0
	case "topics":
		return len(f.Topics) > 0
	case "audiences":
		return len(f.Audiences) > 0
	case "nations":
		return len(f.Nations) > 0
	case "years":
		return f.PublishedAfter != nil || f.PublishedBefore != nil
	case "languages":
		return len(f.Languages) > 0
	}
	return false
}

func facetsFrom(fr search.FacetResults) content.Facets {
	var out content.Facets
	for _, f := range facetFields {
		setFacet(&out, f.name, facetValues(fr[f.name]))
	}
	return out
}

func setFacet(fs *content.Facets, name string, vs []content.FacetValue) {
	switch name {
	case "kinds":
		fs.Kinds = vs
	case "topics":
		fs.Topics = vs
	case "audiences":
		fs.Audiences = vs
	case "nations":
		fs.Nations = vs
	case "years":
		fs.Years = vs
	case "languages":
		fs.Languages = vs
	}
}

// sortedFacet lists the values counted above zero, most frequent first,
// ties by value.
func sortedFacet(m map[string]int) []content.FacetValue {
	out := []content.FacetValue{}
	for v, n := range m {
		if n > 0 {
			out = append(out, content.FacetValue{Value: v, Count: n})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Value < out[j].Value
	})
	return out
}

// count returns how many resources a query finds.
func count(ctx context.Context, idx bleve.Index, q query.Query) (uint64, error) {
	r, err := idx.SearchInContext(ctx, countRequest(q))
	if err != nil {
		return 0, fmt.Errorf("search: %w", err)
	}
	return r.Total, nil
}

// filterActive reports whether a filter restricts anything.
func filterActive(f content.Filter) bool {
	return len(f.Kinds)+len(f.Topics)+len(f.Audiences)+len(f.Nations)+len(f.Languages) > 0 || f.PublishedAfter != nil || f.PublishedBefore != nil
}

// facetValues lists a facet's values, most frequent first, ties by value.
func facetValues(f *search.FacetResult) []content.FacetValue {
	out := []content.FacetValue{}
	if f == nil || f.Terms == nil {
		return out
	}
	for _, t := range f.Terms.Terms() {
		out = append(out, content.FacetValue{Value: t.Term, Count: t.Count})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Value < out[j].Value
	})
	return out
}

// highlights groups a hit's fragments by API field (title, summary, body).
func highlights(h *search.DocumentMatch) []content.Highlight {
	byField := map[string][]string{}
	for f, frags := range h.Fragments {
		name, _, _ := strings.Cut(f, "_")
		byField[name] = append(byField[name], frags...)
	}
	var out []content.Highlight
	for _, tf := range textFields {
		if frags := byField[tf.name]; len(frags) > 0 {
			out = append(out, content.Highlight{Field: tf.name, Fragments: frags})
		}
	}
	return out
}

// sortValues are the values a later page searches after.
func sortValues(h *search.DocumentMatch, sortBy []string) []string {
	out := make([]string, len(sortBy))
	for i, s := range sortBy {
		switch strings.TrimPrefix(s, "-") {
		case "_score":
			out[i] = strconv.FormatFloat(h.Score, 'g', -1, 64)
		case "_id":
			out[i] = h.ID
		default:
			if i < len(h.Sort) {
				out[i] = h.Sort[i]
			}
		}
	}
	return out
}

type cursorJSON struct {
	F string   `json:"f"`
	A []string `json:"a"`
	// P: the hit is past rerank's candidates (see pairCandidates).
	P bool `json:"p,omitempty"`
}

// pastMark, as a hit's fourth sort value, marks a hit past rerank's
// candidates (pastCandidates).
const pastMark = "past"

// pastHit reports whether h comes after rerank's candidates.
func pastHit(h *search.DocumentMatch) bool {
	return len(h.Sort) > 3 && h.Sort[3] == pastMark
}

// pastCandidates returns the n best matches of tq (the full query under
// the filter) other than cands (rerank's candidates, by external id),
// after the cursor values after when not nil, in relevance order and
// marked past the candidates: the pages of a search whose matches are
// more than rerank's candidates go on with these (see pairCandidates).
func (ix *Index) pastCandidates(ctx context.Context, idx bleve.Index, tq query.Query, n int, after []string, cands map[string]struct{}) ([]*search.DocumentMatch, error) {
	if n <= 0 {
		return nil, nil
	}
	top, err := newRelevanceTop(n, after)
	if err != nil {
		return nil, content.FieldErrorf("after", "not a valid cursor for this search")
	}
	top.skip = cands
	req := bleve.NewSearchRequestOptions(tq, 0, 0, false)
	if _, err := ix.searchRequest(top.context(ctx), idx, req, top, nil, true); err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	hits := top.hits()
	for _, h := range hits {
		h.Sort = append(h.Sort, pastMark)
	}
	return hits, nil
}

// fingerprint ties a cursor to the search it came from: the normalised
// text, the filter's meaning (canonicalFilter: breaker10 F4, a cursor was
// refused when the same kinds came in another order) and the order.
func fingerprint(text string, f content.Filter, order content.SearchOrder) string {
	b, _ := json.Marshal(struct {
		T string
		F content.Filter
		O content.SearchOrder
	}{text, canonicalFilter(f), order})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// cursorText is the query a cursor is tied to: its normalised clauses,
// with the words typed as names marked (clause.capital: never
// typo-matched), as a capital changes what the search finds (breaker11
// F1: "asylum Seker" took "asylum seker"'s cursor and showed its own
// first page again).
func cursorText(cs []clause) string {
	caps := make([]byte, len(cs))
	for i, c := range cs {
		caps[i] = '0'
		if c.capital {
			caps[i] = '1'
		}
	}
	return normalisedText(cs) + "\x00" + string(caps)
}

// canonicalFilter is f with each list sorted, without repeats, and nil
// when empty, and language tags in small letters (they match in any
// case): two filters that select the same resources are equal.
func canonicalFilter(f content.Filter) content.Filter {
	set := func(vs []string, lower bool) []string {
		if len(vs) == 0 {
			return nil
		}
		out := make([]string, len(vs))
		for i, v := range vs {
			if lower {
				v = strings.ToLower(v)
			}
			out[i] = v
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	kinds := make([]string, len(f.Kinds))
	for i, k := range f.Kinds {
		kinds[i] = string(k)
	}
	statuses := make([]string, len(f.Statuses))
	for i, st := range f.Statuses {
		statuses[i] = string(st)
	}
	c := f
	c.Kinds, c.Statuses = nil, nil
	for _, k := range set(kinds, false) {
		c.Kinds = append(c.Kinds, content.Kind(k))
	}
	for _, st := range set(statuses, false) {
		c.Statuses = append(c.Statuses, content.Status(st))
	}
	c.Topics, c.Audiences, c.Nations = set(f.Topics, false), set(f.Audiences, false), set(f.Nations, false)
	c.Languages = set(f.Languages, true)
	return c
}

func encodeCursor(fp string, after []string, past bool) string {
	b, _ := json.Marshal(cursorJSON{F: fp, A: after, P: past})
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor reads a search cursor made by encodeCursor for the search
// fp sorted by sortBy, checked in full (breaker5 F2: NaN, infinite and
// negative scores, impossible dates, year 0, bad ids and extra members were
// accepted): every value in range for its sort field (cursorValueOK) and
// only the hub's own spelling (encoding the values again gives s back).
// It returns the sort values to search after and whether the cursor is
// past rerank's candidates (only in relevance order).
// Errors: EINVALID on "after".
func decodeCursor(s, fp string, sortBy []string) ([]string, bool, error) {
	bad := content.FieldErrorf("after", "not a valid cursor for this search")
	if len(s) > 1024 {
		return nil, false, bad
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, false, bad
	}
	var c cursorJSON
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, false, bad
	}
	if c.F != fp && encodeCursor(c.F, c.A, c.P) == s {
		// A cursor of the hub's own spelling for another search (another
		// order included: breaker10 F6).
		return nil, false, content.FieldErrorf("after", "cursor was made for a different search (query, filter or order changed)")
	}
	if len(c.A) != len(sortBy) {
		return nil, false, bad
	}
	for i, v := range c.A {
		if !cursorValueOK(strings.TrimPrefix(sortBy[i], "-"), v) {
			return nil, false, bad
		}
	}
	if c.P && sortBy[0] != "-_score" {
		return nil, false, bad
	}
	if encodeCursor(c.F, c.A, c.P) != s {
		return nil, false, bad
	}
	if c.F != fp {
		return nil, false, content.FieldErrorf("after", "cursor was made for a different search (query, filter or order changed)")
	}
	return c.A, c.P, nil
}

// cursorValueOK reports whether v is a value hitAfter writes for the sort
// field: a score is finite, not negative and spelled as
// strconv.FormatFloat(f, 'g', -1, 64); a published date is a real
// YYYY-MM-DD date of content.ParseDate's years; an id is docID of a
// positive id.
func cursorValueOK(field, v string) bool {
	switch field {
	case "_score":
		f, err := strconv.ParseFloat(v, 64)
		return err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) && f >= 0 && !math.Signbit(f) && strconv.FormatFloat(f, 'g', -1, 64) == v
	case "published":
		t, err := content.ParseDate(v)
		return err == nil && t.Format(content.DateLayout) == v
	case "_id":
		n, err := parseDocID(v)
		return err == nil && n > 0 && docID(n) == v
	}
	return false
}

// vocabFrom reads the unstemmed vocabulary from an index. Callers hold the
// read lock already (a second RLock could deadlock against a waiting swap).
func vocabFrom(idx bleve.Index) (map[string]uint64, error) {
	d, err := idx.FieldDict("vocab")
	if err != nil {
		return nil, err
	}
	defer d.Close()
	terms := map[string]uint64{}
	for {
		e, err := d.Next()
		if err != nil {
			return nil, err
		}
		if e == nil {
			return terms, nil
		}
		terms[e.Term] = e.Count
	}
}

// Complete returns titles with a word starting with the last word of the
// prefix (and containing the earlier words), best first.
func (ix *Index) Complete(ctx context.Context, prefix string, first int) ([]content.Completion, error) {
	if !ix.ready.Load() {
		return nil, errNotReady
	}
	words := strings.Fields(strings.ToLower(prefix))
	if len(words) == 0 || len(prefix) > 100 {
		return []content.Completion{}, nil
	}
	var qs []query.Query
	for i, w := range words {
		w = strings.TrimFunc(w, func(r rune) bool { return strings.ContainsRune(".,;:!?()\"'", r) })
		if w == "" {
			continue
		}
		if i == len(words)-1 {
			p := bleve.NewPrefixQuery(w)
			p.SetField("title_words")
			qs = append(qs, p)
		} else {
			t := bleve.NewTermQuery(w)
			t.SetField("title_words")
			qs = append(qs, t)
		}
	}
	if len(qs) == 0 {
		return []content.Completion{}, nil
	}
	idx, done := ix.current()
	defer done()
	req := bleve.NewSearchRequestOptions(bleve.NewConjunctionQuery(qs...), first, 0, false)
	req.SortBy([]string{"-published", "-_id"})
	res, err := idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("complete: %w", err)
	}
	out := make([]content.Completion, 0, len(res.Hits))
	for _, h := range res.Hits {
		if id, err := parseDocID(h.ID); err == nil {
			out = append(out, content.Completion{ID: id})
		}
	}
	return out, nil
}

// foreignStopWords marks the query words that are stop words of a
// language the library is written in (the language's analyzer removes
// them entirely) and that match nothing in any language: "می‌توانند" is
// two Persian stop words joined by a zero-width non-joiner. Such a word is
// dropped as an English stop word is, so a query of only stop words
// browses in every language, rather than finding nothing or being reported
// as an omitted word. A quoted phrase of only stop words is taken as its
// words unquoted, as "to be or not to be" is. Whether a word matches is
// decided over the whole library, never under the filter, so facet counts
// stay those of choosing each value.
func (ix *Index) foreignStopWords(ctx context.Context, idx bleve.Index, cs []clause, gs []string) ([]clause, error) {
	// A word joined by zero-width non-joiners is its parts, as the
	// Persian analyzer reads it.
	removed := func(w string) bool {
		for _, part := range strings.Split(w, "\u200c") {
			if part == "" || stopWords[part] {
				continue
			}
			gone := false
			for _, g := range gs {
				if a := idx.Mapping().AnalyzerNamed(analyzerFor(g)); a != nil && len(a.Analyze([]byte(part))) == 0 {
					gone = true
					break
				}
			}
			if !gone {
				return false
			}
		}
		return true
	}
	matches := func(c clause) (bool, error) {
		r, err := idx.SearchInContext(ctx, countRequest(textQuery(c, gs, ix.rank, nil)))
		if err != nil {
			return false, fmt.Errorf("search: %w", err)
		}
		return r.Total > 0, nil
	}
	var out []clause
	for _, c := range cs {
		if len(c.alternatives) > 0 || c.join != "" {
			out = append(out, c)
			continue
		}
		words := strings.Fields(c.text)
		all := len(words) > 0
		for _, w := range words {
			all = all && removed(w)
		}
		if !all || !c.phrase && stopWords[c.text] {
			out = append(out, c)
			continue
		}
		m, err := matches(c)
		if err != nil {
			return nil, err
		}
		switch {
		case m:
			out = append(out, c)
		case c.phrase:
			for _, w := range words {
				wc := clause{text: w, exclude: c.exclude}
				if !stopWords[w] {
					if wc.stop, err = matches(wc); err != nil {
						return nil, err
					}
					wc.stop = !wc.stop
				}
				out = append(out, wc)
			}
		default:
			c.stop = true
			out = append(out, c)
		}
	}
	return out, nil
}

// queryEnv is what planning a query reads of the index once per search:
// its vocabulary (terms, byLen; known: whether a word is in it), which
// words are common, and a word's idf (see buildPlan); nil when the
// vocabulary could not be read.
type queryEnv struct {
	terms  map[string]uint64
	byLen  map[int][]string
	known  func(string) bool
	common func(string) bool
	idf    func(string) float64
}

// prepareClauses turns parsed clauses into the clauses a plan is built
// from: foreign stop words dropped, nations' adjectives kept as words,
// hyphenated words the library writes joined joined, misspelt words
// corrected, absent languages and unused synonym groups split. It returns
// the clauses as typed (with those marks) and as searched, and the
// library's language tags when a clause names a language.
func (ix *Index) prepareClauses(ctx context.Context, idx bleve.Index, qe *queryEnv, clauses []clause, gs []string) (typed, searched []clause, tags map[string][]string, err error) {
	if clauses, err = ix.foreignStopWords(ctx, idx, clauses, gs); err != nil {
		return nil, nil, nil, err
	}
	searched = clauses
	if qe.known != nil {
		for i, c := range clauses {
			if nationWords[c.text] && qe.known(c.text) {
				clauses[i].word = true
			}
			if joined, ok := hyphenJoined(c, qe.known); ok {
				clauses[i].text = joined
			}
		}
		searched = clauses
		if ix.rank.Typos {
			searched = corrected(clauses, speller{terms: qe.terms, byLen: qe.byLen, stem: stemmer(idx), matches: ix.findsAlone(ctx, idx, gs)})
		}
	}
	// The languages the library is written in, when the query names one.
	if slices.ContainsFunc(searched, func(c clause) bool { _, ok := languageWords[c.text]; return ok && named(c) }) {
		if tags, err = languageTags(idx); err != nil {
			return nil, nil, nil, err
		}
		searched = absentLanguages(searched, tags)
	}
	if searched, err = ix.splitUnusedGroups(ctx, idx, searched, gs); err != nil {
		return nil, nil, nil, err
	}
	return clauses, searched, tags, nil
}

// aloneQuery returns the query of what a search for the excluded clause
// c alone finds, or nil when it finds nothing or would browse (a stop
// word): c typed again without its minus and parsed as a query, prepared
// and planned as Search does, and relaxed as Search would relax it (every
// word required first; fewer than Ranking.RelaxBelow resources with them
// all: relax). The set is the plan's match (exclusions, optional words
// and ranking aside).
func (ix *Index) aloneQuery(ctx context.Context, idx bleve.Index, qe *queryEnv, c clause, gs []string) (query.Query, error) {
	text := c.raw
	if text == "" {
		text = c.text
	}
	if r, _ := utf8.DecodeRuneInString(text); c.phrase {
		text = `"` + c.text + `"`
	} else if isMinus(r) {
		// A quoted word typed with a minus ("-\"-gp\""): quoted again,
		// as it was typed (breaker8: alone it read as an exclusion of its
		// own, which finds nothing).
		text = `"` + text + `"`
	}
	cs, err := parseQuery(text)
	if err != nil || len(cs) == 0 {
		return nil, err
	}
	for _, a := range cs {
		if a.exclude {
			return nil, nil
		}
	}
	_, searched, tags, err := ix.prepareClauses(ctx, idx, qe, cs, gs)
	if err != nil {
		return nil, err
	}
	p := buildPlan(searched, gs, ix.rank, qe.known, qe.common, qe.idf)
	if p == nil || p.browse {
		return nil, nil
	}
	if len(p.languages) > 0 {
		// A language named: its resources too (breaker8: "farsi" finds
		// the Persian page, "-farsi" left it in), as Search asks, and
		// relaxed as Search relaxes it then: when it finds fewer than
		// RelaxBelow resources.
		q, _, err := ix.languageFirst(ctx, idx, p, p.match(nil, 0), tags)
		if err != nil {
			return nil, err
		}
		n, err := count(ctx, idx, q)
		if err != nil || n >= uint64(max(1, ix.rank.RelaxBelow)) {
			return q, err
		}
		relax := ix.relaxOnePass
		if ix.plain {
			relax = ix.relax
		}
		omit, k, err := relax(ctx, idx, p, -1)
		if err != nil || omit == nil {
			return q, err
		}
		q, _, err = ix.languageFirst(ctx, idx, p, p.match(omit, k), tags)
		return q, err
	}
	var omit map[int]bool
	k := 0
	if len(p.required) >= 2 {
		if omit, k, err = ix.relaxFirst(ctx, idx, p); err != nil {
			return nil, err
		}
	}
	return p.match(omit, k), nil
}
