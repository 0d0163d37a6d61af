package main

import (
	"fmt"
	"math/rand/v2"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"guidancehub/internal/partner"
)

// TestSearchFeedTombstonesFollowItsWords (breaker5 F10): a feed's
// withdrawals were capped at 50 and ignored q, so after 50 unrelated
// withdrawals a q=gp feed no longer carried the withdrawal of the GP
// resource it had listed. Generated: resources with random words of a small
// vocabulary are published; while they are public, the hub's own search for
// each word says which it finds (the oracle); then all are withdrawn, the
// first one first, and more than the old cap of 50 after it. The feed for
// each word must carry exactly the tombstones of the resources that search
// found, and the unfiltered feed every withdrawal.
func TestSearchFeedTombstonesFollowItsWords(t *testing.T) {
	e := startEditorialHub(t)
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(uint64(seed), 10))
	vocab := []string{"kumquat", "walrus", "xylophone", "aardvark", "trombone", "marmalade"}
	const publishQ = `mutation($id: ID!) { publishResource(id: $id) { resource { id } } }`
	const withdrawQ = `mutation($id: ID!) { withdrawResource(id: $id, reason: "Replaced by newer guidance") { resource { id } } }`
	const n = 56
	var ids, slugs []string
	for i := 0; i < n; i++ {
		// The first resource is the breaker's: one word, withdrawn first.
		words := []string{vocab[0]}
		if i > 0 {
			words = []string{vocab[1+rng.IntN(len(vocab)-1)]}
			if rng.IntN(3) == 0 {
				words = append(words, vocab[rng.IntN(len(vocab))])
			}
		}
		slug := fmt.Sprintf("feed-gone-%02d", i)
		d := newDraft(slug, "Tombstone test "+words[0])
		d["in"].(map[string]any)["body"] = "The body mentions " + strings.Join(words, " and ") + "."
		r := authed(t, e.url, e.editor, createQ, d)
		if len(r.Errors) > 0 {
			t.Fatal(r.Errors)
		}
		id := path(r.Data, "createResource", "resource", "id").(string)
		if r := authed(t, e.url, e.editor, publishQ, map[string]any{"id": id}); len(r.Errors) > 0 {
			t.Fatal(r.Errors)
		}
		ids, slugs = append(ids, id), append(slugs, slug)
	}
	found := map[string][]string{}
	for _, w := range vocab {
		waitFor(t, "the index to hold the new resources", func() bool {
			r := post(t, e.url, `{ search(query: "tombstone test", first: 100) { totalCount } }`, nil)
			return path(r.Data, "search", "totalCount") == float64(n)
		})
		r := post(t, e.url, `query($q: String!) { search(query: $q, first: 100) { edges { node { slug } } } }`, map[string]any{"q": w})
		for _, ed := range path(r.Data, "search", "edges").([]any) {
			if s := ed.(map[string]any)["node"].(map[string]any)["slug"].(string); strings.HasPrefix(s, "feed-gone-") {
				found[w] = append(found[w], "https://hub.example.org/resources/"+s)
			}
		}
		sort.Strings(found[w])
	}
	if !contains(found[vocab[0]], "https://hub.example.org/resources/feed-gone-00") {
		t.Fatalf("search %q found %v while public, want the first resource among them", vocab[0], found[vocab[0]])
	}
	for _, id := range ids {
		if r := authed(t, e.url, e.editor, withdrawQ, map[string]any{"id": id}); len(r.Errors) > 0 {
			t.Fatal(r.Errors)
		}
	}
	tombstones := func(query string) []string {
		_, body := getFeed(t, e.url+"/feeds/resources.atom"+query, nil)
		var refs []string
		for _, d := range checkAtom(t, body).all(partner.TombstoneNS, "deleted-entry") {
			refs = append(refs, d.attr("ref"))
		}
		sort.Strings(refs)
		return refs
	}
	waitFor(t, "every withdrawal in the feed", func() bool { return len(tombstones("")) == n })
	for _, w := range vocab {
		if got := tombstones("?q=" + url.QueryEscape(w)); strings.Join(got, " ") != strings.Join(found[w], " ") {
			t.Errorf("feed q=%s tombstones\n%v\nwant those its search found while public\n%v", w, got, found[w])
		}
	}
	// Two words: a resource with either may have been listed.
	var either []string
	for _, u := range append(append([]string{}, found[vocab[0]]...), found[vocab[1]]...) {
		if !contains(either, u) {
			either = append(either, u)
		}
	}
	sort.Strings(either)
	if got := tombstones("?q=" + url.QueryEscape(vocab[0]+" "+vocab[1])); strings.Join(got, " ") != strings.Join(either, " ") {
		t.Errorf("feed q=%s %s tombstones\n%v\nwant\n%v", vocab[0], vocab[1], got, either)
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
