package search

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	index "github.com/blevesearch/bleve_index_api"

	"guidancehub/internal/content"
)

// memTexts is a TextSource over resources in memory, as PostgreSQL would
// answer for them.
func memTexts(rs []*content.Resource) TextSource {
	byID := make(map[int64]*content.Resource, len(rs))
	for _, r := range rs {
		byID[r.ID] = r
	}
	return func(_ context.Context, ids []int64) ([]*content.Resource, error) {
		var out []*content.Resource
		for _, id := range ids {
			if r, ok := byID[id]; ok {
				out = append(out, r)
			}
		}
		return out, nil
	}
}

// editedTexts answers for every resource of rs, with the text of those
// edit picks changed by edit (the index not yet caught up with them).
func editedTexts(rs []*content.Resource, pick func(int64) bool, edit func(*content.Resource)) TextSource {
	var out []*content.Resource
	for _, r := range rs {
		if pick(r.ID) {
			c := *r
			edit(&c)
			r = &c
		}
		out = append(out, r)
	}
	return memTexts(out)
}

// TestHighlightsNeverMarkAnotherText: highlights mark the text read from
// the text source at the offsets the index recorded, so a resource whose
// text has changed since it was indexed gets none (never marks at another
// text's offsets, never a split UTF-8 sequence), and every other hit the
// same highlights as with the text indexed. Every hit of the realistic
// queries, under edits that shift offsets, shorten the text below them,
// or change one byte of a field.
func TestHighlightsNeverMarkAnotherText(t *testing.T) {
	ix, _ := shippedIndexSlugs(t, DefaultRanking)
	ctx := context.Background()
	var rs []*content.Resource
	for _, id := range allIDs(t, ix) {
		r, _ := ix.texts(ctx, []int64{id})
		rs = append(rs, r...)
	}
	indexed := ix.texts
	edits := map[string]func(*content.Resource){
		"words before":     func(r *content.Resource) { r.Body = "Ça. " + r.Body },
		"shorter summary":  func(r *content.Resource) { r.Summary = r.Summary[:len(r.Summary)/3] },
		"title one byte":   func(r *content.Resource) { r.Title = r.Title[:len(r.Title)-1] + "?" },
		"body one rune ZW": func(r *content.Resource) { r.Body = strings.Replace(r.Body, " ", "\u200c", 1) },
	}
	marked, skipped := 0, 0
	for name, edit := range edits {
		edited := func(id int64) bool { return id%2 == 0 }
		for qi, q := range realisticQueries {
			if qi%3 != 0 {
				continue // a third of them: the test runs under the race detector in make test
			}
			sq := content.SearchQuery{Text: q, Order: content.SearchRelevance, First: 10, NoFacets: true, NoSuggestion: true}
			ix.texts = indexed
			want, err := ix.Search(ctx, sq)
			if err != nil {
				t.Fatal(err)
			}
			ix.texts = editedTexts(rs, edited, edit)
			got, err := ix.Search(ctx, sq)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Hits) != len(want.Hits) {
				t.Fatalf("%s %q: %d hits, want %d", name, q, len(got.Hits), len(want.Hits))
			}
			for i, h := range got.Hits {
				for _, hl := range h.Highlights {
					for _, f := range hl.Fragments {
						if !utf8.ValidString(f) {
							t.Errorf("%s %q: fragment not valid UTF-8: %q", name, q, f)
						}
					}
				}
				switch {
				case edited(h.ID) && len(h.Highlights) > 0:
					t.Errorf("%s %q: resource %d edited since indexed has highlights %v", name, q, h.ID, h.Highlights)
				case edited(h.ID):
					skipped++
				case !reflect.DeepEqual(h.Highlights, want.Hits[i].Highlights):
					t.Errorf("%s %q: resource %d highlights %v, want %v", name, q, h.ID, h.Highlights, want.Hits[i].Highlights)
				default:
					marked += len(h.Highlights)
				}
			}
		}
	}
	ix.texts = indexed
	if marked < 100 || skipped < 30 {
		t.Errorf("only %d highlighted fields compared and %d edited hits checked", marked, skipped)
	}
}

// allIDs returns the ids of every document in the index.
func allIDs(t *testing.T, ix *Index) []int64 {
	idx, done := ix.current()
	defer done()
	n, _ := idx.DocCount()
	res, err := idx.Search(bleve.NewSearchRequestOptions(bleve.NewMatchAllQuery(), int(n), 0, false))
	if err != nil {
		t.Fatal(err)
	}
	var out []int64
	for _, h := range res.Hits {
		id, _ := parseDocID(h.ID)
		out = append(out, id)
	}
	return out
}

// TestIndexStoresNoText: the index keeps no copy of any resource's text
// (mapping version 5): every stored field of every document is one a
// search reads back (slug, translation_of, texthash).
func TestIndexStoresNoText(t *testing.T) {
	ix, _ := shippedIndexSlugs(t, DefaultRanking)
	idx, done := ix.current()
	defer done()
	r, err := idx.Advanced()
	if err != nil {
		t.Fatal(err)
	}
	reader, err := r.Reader()
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	allowed := map[string]bool{"slug": true, "translation_of": true, textHashField: true}
	docs, fields := 0, 0
	for _, id := range allIDs(t, ix) {
		d, err := reader.Document(docID(id))
		if err != nil || d == nil {
			t.Fatalf("document %d: %v", id, err)
		}
		docs++
		d.VisitFields(func(f index.Field) {
			fields++
			if !allowed[f.Name()] {
				t.Errorf("document %d stores %s (%d bytes)", id, f.Name(), len(f.Value()))
			}
		})
	}
	if docs < 20 || fields < 2*docs {
		t.Errorf("%d documents, %d stored fields", docs, fields)
	}
}

// TestOlderMappingRebuilds: an index built with another mapping version
// (4 stored title, summary and body) is rebuilt from the source at start,
// and afterwards records this version.
func TestOlderMappingRebuilds(t *testing.T) {
	src := &awaySource{rs: []*content.Resource{{ID: 1, Status: content.StatusPublished, Draft: content.Draft{Kind: content.KindGuidance, Title: "x", Language: "en"}}}}
	dir := t.TempDir()
	for _, old := range []string{"4", "", "6"} {
		s, err := NewSyncer(src, Options{DataDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := s.internal(keyMapping); got != MappingVersion {
			t.Fatalf("index records mapping %q, want %q", got, MappingVersion)
		}
		scans := src.scans
		idx, done := s.current()
		if old == "" {
			idx.DeleteInternal([]byte(keyMapping))
		} else {
			idx.SetInternal([]byte(keyMapping), []byte(old))
		}
		done()
		s.Close()

		s, err = NewSyncer(src, Options{DataDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		if src.scans != scans+1 {
			t.Errorf("mapping %q: start scanned %d times, want 1 (a rebuild)", old, src.scans-scans)
		}
		if got := s.internal(keyMapping); got != MappingVersion {
			t.Errorf("mapping %q: after the rebuild the index records %q, want %q", old, got, MappingVersion)
		}
		s.Close()
	}
}
