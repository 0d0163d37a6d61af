package ingest

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"guidancehub/internal/content"
)

// Library is a parsed directory of resource files.
type Library struct {
	Dir     string               // absolute
	Files   []content.FileImport // the valid files, sorted by path
	Present []string             // every resource file found, valid or not
	Errors  []*FileError
}

// Load reads every *.md file under dir (skipping README.md and names
// starting with "_" or "."), parses each and checks the library as a whole:
// a slug used by two files fails both, translation_of and related must name
// slugs in the library.
func Load(dir string) (*Library, error) {
	lib, err := read(dir)
	if err != nil {
		return nil, err
	}
	lib.check(nil)
	return lib, nil
}

// read reads and parses every resource file under dir, without the checks
// that span files.
func read(dir string) (*Library, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("resources dir: %w", err)
	}
	if fi, err := os.Stat(abs); err != nil {
		return nil, fmt.Errorf("resources dir: %w", err)
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("resources dir %s is not a directory", abs)
	}
	lib := &Library{Dir: abs}
	err = filepath.WalkDir(abs, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if p != abs && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() || !strings.HasSuffix(name, ".md") || strings.EqualFold(name, "README.md") {
			return nil
		}
		lib.Present = append(lib.Present, p)
		data, err := os.ReadFile(p)
		if err != nil {
			lib.Errors = append(lib.Errors, &FileError{Path: p, Message: err.Error()})
			return nil
		}
		f, errs := Parse(p, data)
		if len(errs) > 0 {
			lib.Errors = append(lib.Errors, errs...)
			return nil
		}
		lib.Files = append(lib.Files, f)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read resources: %w", err)
	}
	return lib, nil
}

// outside lists the slugs the files link to (translation_of, related, body
// links) that no file has, sorted.
func (lib *Library) outside() []string {
	have := map[string]bool{}
	for _, f := range lib.Files {
		have[f.Draft.Slug] = true
	}
	want := map[string]bool{}
	for _, f := range lib.Files {
		d := f.Draft
		refs := append([]string{d.TranslationOf}, d.Related...)
		for _, m := range internalLinkRE.FindAllStringSubmatch(d.Body, -1) {
			refs = append(refs, m[1])
		}
		for _, r := range refs {
			if r != "" && !have[r] {
				want[r] = true
			}
		}
	}
	out := make([]string, 0, len(want))
	for s := range want {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// check applies the rules that span files and drops the files that break
// them. known maps the slugs of resources already in the library but not in
// these files (in PostgreSQL) to their language; links to them resolve.
func (lib *Library) check(known map[string]string) {
	bySlug := map[string][]int{}
	for i, f := range lib.Files {
		bySlug[f.Draft.Slug] = append(bySlug[f.Draft.Slug], i)
	}
	bad := map[int]bool{}
	for slug, idx := range bySlug {
		if len(idx) < 2 {
			continue
		}
		for _, i := range idx {
			var others []string
			for _, j := range idx {
				if j != i {
					others = append(others, lib.Files[j].Path)
				}
			}
			lib.Errors = append(lib.Errors, &FileError{Path: lib.Files[i].Path, Field: "slug",
				Message: fmt.Sprintf("slug %q is also used by %s", slug, strings.Join(others, ", "))})
			bad[i] = true
		}
	}
	for i, f := range lib.Files {
		d := f.Draft
		if t := d.TranslationOf; t != "" {
			lang, found := known[t]
			if idx, ok := bySlug[t]; ok {
				lang, found = lib.Files[idx[0]].Draft.Language, true
			}
			if !found {
				lib.Errors = append(lib.Errors, &FileError{Path: f.Path, Field: "translation_of", Message: fmt.Sprintf("no resource with slug %q in the library", t)})
				bad[i] = true
			} else if lang == d.Language {
				lib.Errors = append(lib.Errors, &FileError{Path: f.Path, Field: "language", Message: fmt.Sprintf("a translation must differ in language from %q", t)})
				bad[i] = true
			}
		}
		for _, m := range internalLinkRE.FindAllStringSubmatch(d.Body, -1) {
			if _, ok := bySlug[m[1]]; !ok && !hasKey(known, m[1]) {
				lib.Errors = append(lib.Errors, &FileError{Path: f.Path, Field: "body", Message: fmt.Sprintf("links to /resources/%s, which is not in the library", m[1])})
				bad[i] = true
			}
		}
		for _, r := range d.Related {
			if _, ok := bySlug[r]; !ok && !hasKey(known, r) {
				lib.Errors = append(lib.Errors, &FileError{Path: f.Path, Field: "related", Message: fmt.Sprintf("no resource with slug %q in the library", r)})
				bad[i] = true
			}
		}
	}
	var keep []content.FileImport
	for i, f := range lib.Files {
		if !bad[i] {
			keep = append(keep, f)
		}
	}
	lib.Files = keep
	sort.Slice(lib.Errors, func(i, j int) bool { return lib.Errors[i].Path < lib.Errors[j].Path })
}

func hasKey(m map[string]string, k string) bool {
	_, ok := m[k]
	return ok
}

// internalLinkRE finds Markdown links to other resources: ](/resources/slug).
var internalLinkRE = regexp.MustCompile(`\]\(/resources/([a-z0-9-]+)\)`)

// Stats counts the library's published resources by kind, topic, nation and
// language (translations count under their language, not their kind).
type Stats struct {
	Kinds, Topics, Nations, Languages map[string]int
	Translations                      int
}

// Stats computes the library's counts.
func (lib *Library) Stats() Stats {
	s := Stats{Kinds: map[string]int{}, Topics: map[string]int{}, Nations: map[string]int{}, Languages: map[string]int{}}
	for _, f := range lib.Files {
		if f.Status != content.StatusPublished {
			continue
		}
		d := f.Draft
		s.Languages[d.Language]++
		if d.TranslationOf != "" {
			s.Translations++
			continue
		}
		s.Kinds[string(d.Kind)]++
		for _, t := range d.Topics {
			s.Topics[t]++
		}
		for _, n := range d.Nations {
			s.Nations[n]++
		}
	}
	return s
}

// Report is what an import did.
type Report struct {
	Results []content.ImportResult
	Errors  []*FileError
}

// Counts returns the number of results per action.
func (r *Report) Counts() map[string]int {
	c := map[string]int{}
	for _, res := range r.Results {
		if res.Err == nil {
			c[res.Action]++
		}
	}
	return c
}

// Failed reports whether any file failed.
func (r *Report) Failed() bool { return len(r.Errors) > 0 }

// slugLookup is a store that can also find the resources (published or
// withdrawn) with the given slugs; content.Store has it.
type slugLookup interface {
	ResourcesBySlug(ctx context.Context, slugs []string) ([]*content.Resource, error)
}

// Import loads dir and writes its valid files to the store; with prune,
// file-origin resources recorded under dir whose files are gone are
// withdrawn. Files with errors are reported and left as they were.
func Import(ctx context.Context, store content.Importer, dir string, prune bool) (*Report, error) {
	lib, err := read(dir)
	if err != nil {
		return nil, err
	}
	// Links may name resources already in PostgreSQL as well as the files
	// being imported: published ones, and not those this import prunes
	// (their files under dir are gone).
	var known map[string]string
	if look, ok := store.(slugLookup); ok {
		if slugs := lib.outside(); len(slugs) > 0 {
			rs, err := look.ResourcesBySlug(ctx, slugs)
			if err != nil {
				return nil, fmt.Errorf("look up linked resources: %w", err)
			}
			present := map[string]bool{}
			for _, p := range lib.Present {
				present[p] = true
			}
			known = make(map[string]string, len(rs))
			for _, r := range rs {
				pruned := prune && strings.HasPrefix(r.Origin, lib.Dir+string(filepath.Separator)) && !present[r.Origin]
				if r.Visible() && !pruned {
					known[r.Slug] = r.Language
				}
			}
		}
	}
	lib.check(known)
	results, err := store.ImportFiles(ctx, lib.Files, content.ImportOptions{
		Prune: prune, PruneDir: lib.Dir, Present: lib.Present,
		OriginExists: func(p string) bool { _, err := os.Stat(p); return err == nil },
	})
	if err != nil {
		return nil, err
	}
	rep := &Report{Errors: lib.Errors}
	for _, res := range results {
		if res.Err != nil {
			var ce *content.Error
			msg := res.Err.Error()
			if errors.As(res.Err, &ce) {
				msg = ce.Message
			}
			rep.Errors = append(rep.Errors, &FileError{Path: res.Path, Field: "slug", Message: msg})
			continue
		}
		rep.Results = append(rep.Results, res)
	}
	return rep, nil
}
