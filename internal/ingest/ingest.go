package ingest

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"guidancehub/internal/content"
)

// Library is a parsed directory of resource files, held in memory: for
// small libraries and tests. Import and the lint command stream instead.
type Library struct {
	Dir     string               // absolute
	Files   []content.FileImport // the valid files, in walk order
	Present []string             // every resource file found, valid or not
	Errors  []*FileError
}

// Load reads every *.md file under dir (skipping README.md and names
// starting with "_" or "."), parses each and checks the library as a whole
// (settle): a slug used by two files fails both, translation_of, related
// and body links must name slugs of valid files in the library.
func Load(dir string) (*Library, error) {
	var files []content.FileImport
	cat, err := readCatalog(context.Background(), dir, func(i int, f *content.FileImport) {
		for len(files) < i {
			files = append(files, content.FileImport{})
		}
		files = append(files, *f)
	})
	if err != nil {
		return nil, err
	}
	cat.dups()
	if err := cat.settle(context.Background(), nil); err != nil {
		return nil, err
	}
	lib := &Library{Dir: cat.dir, Errors: cat.errors}
	for i := range cat.entries {
		e := &cat.entries[i]
		lib.Present = append(lib.Present, e.path)
		if e.good() {
			lib.Files = append(lib.Files, files[i])
		}
	}
	return lib, nil
}

// walk calls each for every resource file under dir (absolute), in
// lexical order within each directory.
func walk(dir string, each func(path string) error) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("resources dir: %w", err)
	}
	if fi, err := os.Stat(abs); err != nil {
		return "", fmt.Errorf("resources dir: %w", err)
	} else if !fi.IsDir() {
		return "", fmt.Errorf("resources dir %s is not a directory", abs)
	}
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
		return each(p)
	})
	if err != nil {
		return "", fmt.Errorf("read resources: %w", err)
	}
	return abs, nil
}

// internalLinkRE finds Markdown links to other resources: ](/resources/slug).
var internalLinkRE = content.ResourceLinkRE

// Stats counts the library's published resources by kind, topic, nation and
// language (translations count under their language, not their kind).
type Stats struct {
	Kinds, Topics, Nations, Languages map[string]int
	Translations                      int
}

func newStats() Stats {
	return Stats{Kinds: map[string]int{}, Topics: map[string]int{}, Nations: map[string]int{}, Languages: map[string]int{}}
}

func (s *Stats) add(status content.Status, kind content.Kind, lang, translationOf string, topics, nations []string) {
	if status != content.StatusPublished {
		return
	}
	s.Languages[lang]++
	if translationOf != "" {
		s.Translations++
		return
	}
	s.Kinds[string(kind)]++
	for _, t := range topics {
		s.Topics[t]++
	}
	for _, n := range nations {
		s.Nations[n]++
	}
}

// Report is what an import did.
type Report struct {
	counts map[string]int
	Errors []*FileError // sorted by path
	// Files is the number of resource files found; Written the number read
	// again and written in Batches.
	Files, Written, Batches int
	// How long each phase took: the first pass (reading, parsing, looking
	// slugs up, settling links), the batches, the commit.
	Read, Write, Commit time.Duration
}

// Counts returns the number of resources per action ("created",
// "updated", "unchanged", "moved", "restored", "withdrawn").
func (r *Report) Counts() map[string]int {
	c := make(map[string]int, len(r.counts))
	for k, v := range r.counts {
		c[k] = v
	}
	return c
}

// Failed reports whether any file failed.
func (r *Report) Failed() bool { return len(r.Errors) > 0 }

// Import loads dir and writes its valid files to the store; with prune,
// file-origin resources recorded under dir whose files are gone are
// withdrawn. Files with errors are reported and left as they were.
func Import(ctx context.Context, store content.Importer, dir string, prune bool) (*Report, error) {
	return ImportWith(ctx, store, dir, Options{Prune: prune})
}
