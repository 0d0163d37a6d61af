// Package search is the hub's full-text search: a Bleve index per process,
// kept in step with PostgreSQL through the change log, answering with ids
// that callers load from PostgreSQL. The index is derived and disposable:
// it is rebuilt from PostgreSQL whenever it is missing, damaged, built with
// another mapping version, or disagrees with PostgreSQL's count.
package search

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/ar"
	"github.com/blevesearch/bleve/v2/analysis/lang/de"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/lang/es"
	"github.com/blevesearch/bleve/v2/analysis/lang/fa"
	"github.com/blevesearch/bleve/v2/analysis/lang/fr"
	"github.com/blevesearch/bleve/v2/analysis/lang/it"
	"github.com/blevesearch/bleve/v2/analysis/lang/pt"
	"github.com/blevesearch/bleve/v2/analysis/lang/ro"
	"github.com/blevesearch/bleve/v2/mapping"
)

// MappingVersion identifies the index layout; an index built with another
// version is rebuilt from PostgreSQL at start-up.
//
//	1: per-language text fields (title, summary, body, extra), keyword
//	   facets, an unstemmed vocabulary and title words, BM25 scoring.
//	2: every analyzer NFKC-normalises and case-folds tokens; the Persian
//	   analyzer keeps offsets at ZWNJ; sources' titles and publishers are in
//	   extra.
//	3: extra keeps term positions, so phrases (multi-word synonyms) match in
//	   it as single words do; "&" between letters or digits joins them into
//	   one token in every analyzer ("A&E" is one word, not "a" and "e").
//	4: translation_of (the original's slug) indexed; it and slug stored.
//	5: title, summary and body no longer stored: highlights take their
//	   text from PostgreSQL (highlight.go), checked against texthash (a
//	   stored hash of the text indexed); keyword fields keep no term
//	   vectors, and doc values only where something reads them (facets,
//	   the date sort).
//	6: marks fields beside the text fields record the multi-word synonym
//	   phrases found in them (marks.go); no _all field. The version names
//	   the phrases marked (a digest of each language group's phrases and
//	   their analysed terms, first 12 hex digits of a SHA-256): they come
//	   from synonyms.txt, the analyzers, the stop lists and the spelling
//	   rules, so an index built when any of these marked other phrases is
//	   rebuilt (review5 R3: a digest of synonyms.txt alone missed a code
//	   change).
//	7: bodies indexed as a reader of the page sees them (hiddenText): no
//	   link targets, HTML, reference definitions or entity names.
//	8: as 7, and the marks fields also hold every two terms at
//	   consecutive positions (pairKey, marks.go), so a two-word phrase is
//	   found without reading positions: an index built with
//	   Options.PhrasePairs (Index.mappingVersion); without it the index is
//	   version 7's.
var MappingVersion string

// PairsMappingVersion is MappingVersion of an index built with
// Options.PhrasePairs.
var PairsMappingVersion string

// The phrases marked need the hub's analyzers, registered by analysis.go's
// init, which runs before this one (files in name order).
func init() {
	d := marksDigest(phraseMarkList())
	MappingVersion, PairsMappingVersion = "7-"+d, "8-"+d
}

// mappingVersion is the mapping version of ix's layout.
func (ix *Index) mappingVersion() string {
	if ix.pairs {
		return PairsMappingVersion
	}
	return MappingVersion
}

// marksDigest identifies the phrases marked per language group.
func marksDigest(marks map[string][]markedPhrase) string {
	gs := make([]string, 0, len(marks))
	for g := range marks {
		gs = append(gs, g)
	}
	sort.Strings(gs)
	h := sha256.New()
	for _, g := range gs {
		for _, p := range marks[g] {
			fmt.Fprintf(h, "%s\x00%s\x00%q\n", g, p.key, p.slots)
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:6])
}

// plainAnalyzer is for languages Bleve has no analyzer for: split on
// Unicode word boundaries and lower-case, no stemming or stop words.
const plainAnalyzer = "hub_unicode_fold"

// languageAnalyzers maps a primary language subtag to the Bleve analyzer
// used for it (stemming and stop words where Bleve has them).
var languageAnalyzers = map[string]string{
	"en": en.AnalyzerName, "ar": ar.AnalyzerName, "fa": fa.AnalyzerName, "fr": fr.AnalyzerName,
	"es": es.AnalyzerName, "de": de.AnalyzerName, "it": it.AnalyzerName, "pt": pt.AnalyzerName,
	"ro": ro.AnalyzerName,
}

// groups are the language groups with their own text fields: one per
// analyzer above, and "plain" for every other language.
var groups = func() []string {
	out := []string{"plain"}
	for g := range languageAnalyzers {
		out = append(out, g)
	}
	return out
}()

// textFields are the analysed text fields of each language group, with the
// weight of a match in each (title over summary over body).
var textFields = []struct {
	name  string
	boost float64
}{{"title", 3}, {"summary", 2}, {"extra", 1.5}, {"body", 1}}

// keywordFields are exact-match fields used for filters, facets and sorting.
var keywordFields = []string{"kind", "topics", "audiences", "nations", "language", "year", "published", "slug", "translation_of"}

// storedFields are the keyword fields a search reads back: a translation
// stands for its original (see Index.languageFirst).
var storedFields = map[string]bool{"slug": true, "translation_of": true}

// docValueFields are the keyword fields read through doc values: Bleve's
// facet builders (the facets, and the languages an index holds) and the
// date sort (collect.go, Bleve's SortBy).
var docValueFields = map[string]bool{"kind": true, "topics": true, "audiences": true, "nations": true, "language": true, "year": true, "published": true}

// What each field keeps, and what reads it (mapping version 5):
//
//	title, summary, extra, body (per language group): terms with
//	  frequencies, norms and positions (term vectors): BM25, phrase
//	  queries (quoted phrases, multi-word synonyms, the pair bonus) and
//	  the locations highlights mark. Not stored: highlights read the
//	  text from PostgreSQL (highlight.go).
//	keyword fields: terms (filters, facet tables); doc values where
//	  docValueFields says; slug and translation_of stored (read back by
//	  languageFirst).
//	texthash: stored only: the hash of the text indexed, so highlights
//	  never mark another revision's text.
//	vocab: unstemmed words with frequencies and norms: the vocabulary and
//	  its document counts (did-you-mean, known and common words, idf) and
//	  fuzzy queries for typos, which score.
//	title_words: unstemmed title words for completions.
//	marks_<text field> (not in the mapping: added to each document by
//	  indexResource): a term for each multi-word synonym phrase found in
//	  the text field and one for every two terms at neighbouring
//	  positions (pairKey), read by markedPhraseQuery (marks.go); terms
//	  only, no positions.

func analyzerFor(group string) string {
	if a, ok := languageAnalyzers[group]; ok {
		return hubAnalyzer(a)
	}
	return plainAnalyzer
}

// field is the name of a text field in a language group, e.g. "title_en".
func field(name, group string) string { return name + "_" + group }

func newMapping(r Ranking) (*mapping.IndexMappingImpl, error) {
	im := bleve.NewIndexMapping()
	im.ScoringModel = r.Scoring
	doc := bleve.NewDocumentStaticMapping()
	for _, g := range groups {
		for _, tf := range textFields {
			fm := bleve.NewTextFieldMapping()
			fm.Analyzer = analyzerFor(g)
			fm.Store = false
			// Every text field keeps term positions: a phrase query
			// matches nothing in a field without them.
			fm.IncludeTermVectors = true
			fm.IncludeInAll = false
			fm.DocValues = false
			doc.AddFieldMappingsAt(field(tf.name, g), fm)
		}
	}
	for _, k := range keywordFields {
		fm := bleve.NewKeywordFieldMapping()
		fm.Analyzer = keyword.Name
		fm.IncludeInAll = false
		fm.Store = storedFields[k]
		fm.IncludeTermVectors = false
		fm.DocValues = docValueFields[k]
		doc.AddFieldMappingsAt(k, fm)
	}
	hash := bleve.NewKeywordFieldMapping()
	hash.Index, hash.IncludeTermVectors, hash.IncludeInAll, hash.DocValues = false, false, false, false
	doc.AddFieldMappingsAt(textHashField, hash)
	// Unstemmed words for did-you-mean and completions.
	for _, name := range []string{"vocab", "title_words"} {
		fm := bleve.NewTextFieldMapping()
		fm.Analyzer = plainAnalyzer
		fm.Store = false
		fm.IncludeTermVectors = false
		fm.IncludeInAll = false
		fm.DocValues = false
		doc.AddFieldMappingsAt(name, fm)
	}
	// Nothing is in _all (every field leaves it out), and the marks
	// fields added beside the text fields (marks.go) would be.
	doc.AddSubDocumentMapping("_all", bleve.NewDocumentDisabledMapping())
	im.DefaultMapping = doc
	im.DefaultAnalyzer = plainAnalyzer
	return im, nil
}

// Ranking holds the choices that shape relevance. Each was measured on the
// judged queries (testdata/judgments.tsv); see TestRankingExperiments.
type Ranking struct {
	// Scoring is Bleve's scoring model: "bm25" or "tf-idf".
	Scoring string
	// FieldBoosts weights title over summary over checklists over body.
	FieldBoosts bool
	// PhraseBoost weights the whole query as a phrase (0: off).
	PhraseBoost float64
	// Synonyms expands domain synonyms.
	Synonyms bool
	// Recency breaks score ties newest first.
	Recency bool
	// Typos adds fuzzy matches for words not in the vocabulary.
	Typos bool
	// RelaxBelow: when fewer resources than this have every word, search
	// relaxes to resources with most of the words (1: only when none).
	RelaxBelow int
	// Tiers turns on, in a relaxed search, the tiers that add the words'
	// score again for each further word a resource matches (off: only
	// Bleve's share-of-clauses factor). A switch, not a weight: Bleve
	// v2.6.3 ignores the boost of a BooleanQuery (its Searcher never reads
	// BoostVal), so weights 3 and 10 measured the same as 1.
	Tiers bool
	// PairBoost weights the phrase score of neighbouring query words
	// found as a phrase (the words of PairBonus; 0: off).
	PairBoost float64
	// CommonOptional makes words in most resources optional.
	CommonOptional bool
	// PairBonus is the constant added, per idf of the rarer word, for
	// neighbouring query words found as a phrase (0: off).
	PairBonus float64
	// PhraseFirst replaces PairBonus when the query is the two words
	// alone: large enough that resources with the phrase come first.
	PhraseFirst float64
	// PhraseMarks finds multi-word synonyms through the phrases the index
	// marks (marks.go) instead of phrase queries: the same matches and
	// scores, without reading term positions. Not a relevance choice:
	// off is the reference the tests compare with.
	PhraseMarks bool
	// PairMarks finds a phrase of two neighbouring terms through the
	// pairs the index marks (marks.go, mapping version 8; set from
	// Options.PhrasePairs, which builds the index with them): the same
	// matches and scores without reading positions, so a small query is
	// scored with its phrase pairs in one exact pass instead of rerank's
	// two. Off is also the reference the tests compare with.
	PairMarks bool
}

// DefaultRanking is the tuned ranking.
var DefaultRanking = Ranking{Scoring: "bm25", FieldBoosts: true, PhraseBoost: 0, Synonyms: true, Recency: true, Typos: true, RelaxBelow: 10, Tiers: true, PairBonus: 1, PhraseFirst: 100, PhraseMarks: true}

// storeText makes im store title, summary and body, as mapping version 4
// did: tests build such an index (Index.storeText) so that Bleve's own
// highlighting from stored text is the oracle of highlight.go.
func storeText(im *mapping.IndexMappingImpl) {
	for _, g := range groups {
		for _, name := range []string{"title", "summary", "body"} {
			im.DefaultMapping.Properties[field(name, g)].Fields[0].Store = true
		}
	}
}
