package search

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"

	"guidancehub/internal/content"
)

// docID is the index id of a resource: zero-padded so that sorting by id
// as a string sorts by number.
func docID(id int64) string { return fmt.Sprintf("%012d", id) }

func parseDocID(s string) (int64, error) { return strconv.ParseInt(s, 10, 64) }

// languageGroup is the field group a language's text is indexed in.
func languageGroup(lang string) string {
	primary, _, _ := strings.Cut(strings.ToLower(lang), "-")
	if _, ok := languageAnalyzers[primary]; ok {
		return primary
	}
	return "plain"
}

// document turns a published resource into what the index holds.
func document(r *content.Resource) map[string]interface{} {
	g := languageGroup(r.Language)
	d := r.Details
	parts := []string{d.AppliesTo, d.Methods, d.Sample, d.Period, d.Rationale, d.Campaign}
	parts = append(parts, d.Actions...)
	parts = append(parts, d.KeyFindings...)
	parts = append(parts, d.Recommendations...)
	if d.SampleSize != nil {
		parts = append(parts, strconv.Itoa(*d.SampleSize))
	}
	for _, src := range r.Sources {
		parts = append(parts, src.Title, src.Publisher)
	}
	parts = append(parts, r.TranslationStatus)
	if r.TranslationOf != "" {
		// A translation is found by its original's name too: the original's
		// slug is English words ("everyone-can-register-with-a-gp"), so
		// "Urdu translation everyone can register with a GP" finds the Urdu
		// text, which says none of those words in English.
		parts = append(parts, strings.ReplaceAll(r.TranslationOf, "-", " "))
	}
	extra := strings.Join(parts, "\n")
	body := visibleBody(r.Body)
	doc := map[string]interface{}{
		field("title", g):   r.Title,
		field("summary", g): r.Summary,
		field("body", g):    body,
		field("extra", g):   extra,
		"kind":              string(r.Kind),
		"topics":            r.Topics,
		"audiences":         r.Audiences,
		"nations":           r.Nations,
		"language":          strings.ToLower(r.Language),
		"slug":              r.Slug,
		"vocab":             r.Title + "\n" + r.Summary + "\n" + body + "\n" + extra,
		"title_words":       r.Title,
		textHashField:       textHash(r),
	}
	if r.TranslationOf != "" {
		doc["translation_of"] = r.TranslationOf
	}
	if r.PublishedAt != nil {
		doc["published"] = r.PublishedAt.Format(content.DateLayout)
		doc["year"] = strconv.Itoa(r.PublishedAt.Year())
	}
	return doc
}

// textHashField is the stored field holding textHash of the text indexed.
const textHashField = "texthash"

// textHash identifies the text highlights mark (title, summary and body):
// FNV-1a 64 of the three, each ended by a zero byte, in hex.
func textHash(r *content.Resource) string {
	h := fnv.New64a()
	for _, s := range []string{r.Title, r.Summary, r.Body} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return strconv.FormatUint(h.Sum64(), 16)
}
