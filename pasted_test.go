package main

import (
	"html"
	"net/url"
	"strings"
	"testing"
)

// TestPastedQuestionIsSearched (breaker5 F4): a 45-word question pasted
// into the search box was a 400 page ("more than 24 words"), its words
// lost; a 300-character paste was cut by the box's maxlength. Now the page
// searches the question's main words and says so, the box holds the words
// searched, and the box no longer cuts a paste.
func TestPastedQuestionIsSearched(t *testing.T) {
	h, _ := startFixtureHub(t)
	question := "A patient who has been refused asylum and has no proof of address has been told by the practice manager that she cannot register with the GP practice unless she shows a passport, what does the guidance say about this and can the ICB intervene?"
	for _, text := range []string{question, strings.Repeat("registration ", 30)} {
		status, page := getText(t, h.url+"/search?q="+url.QueryEscape(text))
		if status != 200 {
			t.Fatalf("%d for a pasted search of %d characters:\n%.400s", status, len(text), page)
		}
		if !strings.Contains(page, "so we searched for its main words") {
			t.Errorf("the page does not say the search was shortened")
		}
		i := strings.Index(page, `id="q" name="q"`)
		if i < 0 {
			t.Fatal("no search box")
		}
		box := page[i : i+strings.Index(page[i:], ">")]
		if strings.Contains(box, "maxlength") {
			t.Errorf("the box still cuts a paste: %s", box)
		}
		v := box[strings.Index(box, `value="`)+7:]
		v = html.UnescapeString(v[:strings.Index(v, `"`)])
		if v == "" || !strings.Contains(text, strings.Fields(v)[0]) {
			t.Errorf("box value %q: not the words searched", v)
		}
	}
	// Within the limits nothing changes.
	if _, page := getText(t, h.url+"/search?q=registration"); strings.Contains(page, "so we searched for its main words") {
		t.Error("a short search is said to be shortened")
	}
}
