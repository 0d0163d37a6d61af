package search

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"

	"guidancehub/internal/content"
)

// languageFirstBoost weights a resource in a language the query names
// (see Index.languageFirst). It is large enough that such a resource
// outranks every other match whatever their text scores: a BM25 match of
// every word in the title scores in the tens, the language term in the
// thousands.
const languageFirstBoost = 1000

// languageQuery matches resources written in a language (a primary
// subtag, "ar"), with or without a region or script ("pt-br"), each match
// weighted by boost (Bleve ignores a boost set on the disjunction itself).
func languageQuery(code string, boost float64) query.Query {
	t := bleve.NewTermQuery(code)
	t.SetField("language")
	t.SetBoost(boost)
	pre := bleve.NewPrefixQuery(code + "-")
	pre.SetField("language")
	pre.SetBoost(boost)
	return bleve.NewDisjunctionQuery(t, pre)
}

// languageTags returns the language tags of the library's resources
// ("ar", "pt-br") by primary subtag.
func languageTags(idx bleve.Index) (map[string][]string, error) {
	d, err := idx.FieldDict("language")
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	defer d.Close()
	out := map[string][]string{}
	for {
		e, err := d.Next()
		if err != nil {
			return nil, fmt.Errorf("search: %w", err)
		}
		if e == nil {
			return out, nil
		}
		primary, _, _ := strings.Cut(e.Term, "-")
		out[primary] = append(out[primary], e.Term)
	}
}

// named reports whether a clause is a word naming a kind, a field or a
// language (see kindWords, languageWords).
func named(c clause) bool {
	if c.phrase || c.exclude || c.word || len(c.alternatives) > 0 || c.join != "" {
		return false
	}
	_, kind := kindWords[c.text]
	_, lang := languageWords[c.text]
	return kind || lang
}

// absentLanguages drops the words of a query that name a language no
// resource is written in (tags: see languageTags), as stop words are
// dropped: "polish register with gp" searches "register with gp". Such a
// word can raise no resource, and adding it must not change the results.
// A query of only named words keeps them, so "Tigrinya Pashto Kurdish"
// still finds the resources that name those languages.
func absentLanguages(cs []clause, tags map[string][]string) []clause {
	if !slices.ContainsFunc(positive(cs), func(c clause) bool { return !named(c) }) {
		return cs
	}
	out := append([]clause(nil), cs...)
	for i, c := range out {
		if l, ok := languageWords[c.text]; ok && named(c) && len(tags[l]) == 0 {
			out[i].stop = true
		}
	}
	return out
}

// languageFirst puts first the resources written in a language the query
// names ("farsi leaflet register with GP", "GP registration leaflet in
// Arabic") that match the query's other words: whoever names a language
// asks for text in it. For each named language the library has resources
// in (tags: see languageTags), that language's resources with any of the
// query's words (more words first), and those matches join the results of q weighted by
// languageFirstBoost, with every translation into the language whose
// original q finds (its text does not say its original's English words:
// "urdu everyone can register" asks for the Urdu text of "Everyone can
// register with a GP"); a query of only named words takes every resource in
// the language. relaxed reports that some language's matches may lack
// some of the words. Decided over the whole library, never under the
// request's filter, so facet counts stay those of choosing each value.
func (ix *Index) languageFirst(ctx context.Context, idx bleve.Index, p *plan, q query.Query, tags map[string][]string) (out query.Query, relaxed bool, err error) {
	if p == nil || p.browse || len(p.languages) == 0 {
		return q, false, nil
	}
	qs := []query.Query{q}
	for _, l := range slices.Compact(slices.Sorted(slices.Values(p.languages))) {
		if len(tags[l]) == 0 {
			continue
		}
		f := content.Filter{Languages: tags[l]}
		var in query.Query
		if p.onlyNamed {
			b := bleve.NewBooleanQuery()
			b.AddMust(bleve.NewMatchAllQuery())
			b.AddMustNot(p.exclude...)
			in = b
		} else {
			// Most of the words: any of them, more words first.
			in = p.query(nil, 0)
			if len(p.required) > 1 {
				in, relaxed = p.query(nil, 1), true
			}
			ids, err := translationsMatching(ctx, idx, q, f)
			if err != nil {
				return nil, false, err
			}
			if len(ids) > 0 {
				in = bleve.NewDisjunctionQuery(in, bleve.NewDocIDQuery(ids))
			}
		}
		qs = append(qs, bleve.NewConjunctionQuery(withFilters(in, f, ""), languageQuery(l, languageFirstBoost)))
	}
	if len(qs) == 1 {
		return q, false, nil
	}
	return bleve.NewDisjunctionQuery(qs...), relaxed, nil
}

// maxTranslations bounds the translations into one language that
// translationsMatching considers.
const maxTranslations = 1000

// translationsMatching returns the index ids of the resources under f (one
// language) that translate a resource q finds.
func translationsMatching(ctx context.Context, idx bleve.Index, q query.Query, f content.Filter) ([]string, error) {
	yes := true
	translations := bleve.NewTermRangeInclusiveQuery("", "~", &yes, &yes) // every slug ([a-z0-9-]) is below "~"
	translations.SetField("translation_of")
	req := bleve.NewSearchRequestOptions(withFilters(translations, f, ""), maxTranslations, 0, false)
	req.Fields = []string{"translation_of"}
	res, err := idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	byOriginal := map[string][]string{}
	var originals []query.Query
	for _, h := range res.Hits {
		o, _ := h.Fields["translation_of"].(string)
		if o == "" {
			continue
		}
		if len(byOriginal[o]) == 0 {
			t := bleve.NewTermQuery(o)
			t.SetField("slug")
			originals = append(originals, t)
		}
		byOriginal[o] = append(byOriginal[o], h.ID)
	}
	if len(originals) == 0 {
		return nil, nil
	}
	req = bleve.NewSearchRequestOptions(bleve.NewConjunctionQuery(q, bleve.NewDisjunctionQuery(originals...)), len(originals), 0, false)
	req.Fields = []string{"slug"}
	if res, err = idx.SearchInContext(ctx, req); err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	var ids []string
	for _, h := range res.Hits {
		if o, _ := h.Fields["slug"].(string); o != "" {
			ids = append(ids, byOriginal[o]...)
		}
	}
	return ids, nil
}
