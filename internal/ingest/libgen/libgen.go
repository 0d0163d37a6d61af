// Package libgen generates resource libraries (Markdown files with front
// matter, as ingest reads them) for tests and benchmarks: deterministic
// from a seed, valid by the library rules, with translations, drafts,
// related links and body links that cross any batch boundary.
package libgen

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
)

// Resource is one generated file and what an import must make of it.
type Resource struct {
	Path          string // relative to the library's directory
	Slug          string
	Kind          string // guidance, research-brief or policy-position
	Title         string
	Language      string
	TranslationOf string
	Draft         bool
	Related       []string // slugs of published resources
	Links         []string // slugs linked from the body
	Words         int      // body length in words
}

// Published reports whether the file is published (not status: draft).
func (r *Resource) Published() bool { return !r.Draft }

// Text is the file's bytes.
func (r *Resource) Text() []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "---\nkind: %s\nslug: %s\ntitle: %q\nsummary: \"Generated resource %s.\"\n", r.Kind, r.Slug, r.Title, r.Slug)
	b.WriteString("topics: [charging]\naudiences: [commissioners]\nnations: [england]\n")
	fmt.Fprintf(&b, "language: %s\n", r.Language)
	if r.TranslationOf != "" {
		fmt.Fprintf(&b, "translation_of: %s\ntranslation_status: needs review by a native speaker\n", r.TranslationOf)
	}
	if r.Draft {
		b.WriteString("status: draft\n")
	}
	b.WriteString("published: 2024-01-01\nlast_reviewed: 2024-06-01\nnext_review: 2099-01-01\n")
	fmt.Fprintf(&b, "sources:\n  - title: Source of %s\n    url: https://example.org/%s\n    date: 2023-05-01\n", r.Slug, r.Slug)
	if len(r.Related) > 0 {
		fmt.Fprintf(&b, "related: [%s]\n", strings.Join(r.Related, ", "))
	}
	switch r.Kind {
	case "guidance":
		b.WriteString("applies_to: Everyone.\nactions:\n  - Act.\n")
	case "research-brief":
		b.WriteString("methods: Generated.\nkey_findings:\n  - Found.\n")
	case "policy-position":
		b.WriteString("recommendations:\n  - Ask.\nrationale: Because.\n")
	}
	b.WriteString("---\n")
	for i := 0; i < r.Words; i++ {
		if i%12 == 0 && i/12 < len(r.Links) {
			fmt.Fprintf(&b, "see [it](/resources/%s) ", r.Links[i/12])
		}
		fmt.Fprintf(&b, "word%d ", i%50)
	}
	b.WriteString("\n")
	return []byte(b.String())
}

// Hash is the SHA-256 of Text, as the import records it.
func (r *Resource) Hash() string {
	sum := sha256.Sum256(r.Text())
	return hex.EncodeToString(sum[:])
}

// Library generates n resources with the slugs prefix-00000 …: one in 7 is
// a French translation of an earlier English published resource, one in 11
// (not a translation) a draft; published ones relate to up to two other
// published resources and link to one in their body, chosen anywhere in
// the library. Files go in folders of 100.
func Library(prefix string, n int, seed int64) []Resource {
	r := rand.New(rand.NewSource(seed))
	kinds := []string{"guidance", "research-brief", "policy-position"}
	out := make([]Resource, n)
	for i := range out {
		res := &out[i]
		res.Slug = fmt.Sprintf("%s-%05d", prefix, i)
		res.Path = filepath.Join(fmt.Sprintf("%03d", i/100), res.Slug+".md")
		res.Kind = kinds[i%3]
		res.Title = fmt.Sprintf("Generated %s number %d", res.Kind, i)
		res.Language = "en"
		res.Words = 260
		switch {
		case i%7 == 6:
			res.Language, res.Words = "fr", 60
		case i%11 == 10:
			res.Draft = true
		}
	}
	public := func() string {
		for {
			j := r.Intn(n)
			if !out[j].Draft {
				return out[j].Slug
			}
		}
	}
	for i := range out {
		res := &out[i]
		if res.Language == "fr" {
			for j := i - 1; j >= 0; j-- {
				if out[j].Language == "en" && !out[j].Draft {
					res.TranslationOf = out[j].Slug
					break
				}
			}
			if res.TranslationOf == "" {
				res.Language = "en"
				res.Words = 260
			}
		}
		if res.Draft {
			continue
		}
		for k := r.Intn(3); k > 0; k-- {
			if s := public(); s != res.Slug && !contains(res.Related, s) {
				res.Related = append(res.Related, s)
			}
		}
		if s := public(); s != res.Slug {
			res.Links = []string{s}
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Targets returns the slugs that some resource links to (translation_of,
// related or body).
func Targets(rs []Resource) map[string]bool {
	t := map[string]bool{}
	for _, r := range rs {
		if r.TranslationOf != "" {
			t[r.TranslationOf] = true
		}
		for _, s := range r.Related {
			t[s] = true
		}
		for _, s := range r.Links {
			t[s] = true
		}
	}
	return t
}

// Write writes the resources under dir.
func Write(dir string, rs []Resource) error {
	for i := range rs {
		p := filepath.Join(dir, rs[i].Path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, rs[i].Text(), 0o644); err != nil {
			return err
		}
	}
	return nil
}
