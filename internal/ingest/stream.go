package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"guidancehub/internal/content"
)

// An import and the lint stream a library instead of holding it: a first
// pass reads and parses every file once, keeping only an entry per file
// (path, hash, slug, language and the slugs it links to: a few hundred
// bytes), and settles the rules that span files (duplicate slugs, links
// that must resolve) before anything is written. The import's second pass
// reads again only the files that must be written, in batches, each staged
// in its own transaction (invisible to the public), and one last
// transaction makes every staged file public at once.

// entry is what the first pass keeps of one resource file.
type entry struct {
	path      string
	hash      [sha256.Size]byte
	slug      string
	lang      string
	transOf   string
	related   []string
	bodyLinks []string
	kind      content.Kind
	status    content.Status
	topics    []string
	nations   []string
	valid     bool  // parsed without errors
	bad       bool  // failed a rule that spans files, or the store refused it
	write     bool  // must be written (new, changed, moved or restored)
	staged    bool  // staged with these bytes by an interrupted import
	live      bool  // the store already publishes a revision of its slug
	id        int64 // the resource's id, once known
	// extTrans are the store's published translations of its slug that
	// no file of this import decides (made through the API, or managed by
	// files elsewhere).
	extTrans []content.Translation
}

// good reports whether the file is imported.
func (e *entry) good() bool { return e.valid && !e.bad }

// catalog is the first pass over a library.
type catalog struct {
	dir     string
	entries []entry
	byPath  map[string]int // entry by path, once an import needs it
	errors  []*FileError
	intern  map[string]string
}

func (c *catalog) str(s string) string {
	if v, ok := c.intern[s]; ok {
		return v
	}
	s = strings.Clone(s)
	c.intern[s] = s
	return s
}

func (c *catalog) fail(i int, field, format string, args ...any) {
	c.entries[i].bad = true
	c.errors = append(c.errors, &FileError{Path: c.entries[i].path, Field: field, Message: fmt.Sprintf(format, args...)})
}

// parsed is one file read and parsed by a worker.
type parsed struct {
	path string
	size int
	file content.FileImport
	errs []*FileError
	done chan struct{}
}

// readParsed reads and parses the files that paths yields on GOMAXPROCS
// workers and calls each with them in the order of paths, holding at most
// a few dozen at once. Without check, files are parsed without the
// resource rules (bytes already accepted). An error from each stops it.
func readParsed(paths func(yield func(path string) bool) error, check bool, each func(p *parsed) error) error {
	workers := runtime.GOMAXPROCS(0)
	queue := make(chan *parsed, 4*workers) // in the order of paths, to each
	jobs := make(chan *parsed, 4*workers)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range jobs {
				data, err := os.ReadFile(p.path)
				if err != nil {
					p.errs = []*FileError{{Path: p.path, Message: err.Error()}}
				} else {
					p.size = len(data)
					p.file, p.errs = parse(p.path, data, check)
				}
				close(p.done)
			}
		}()
	}
	var pathsErr error
	go func() {
		defer close(queue)
		defer close(jobs)
		pathsErr = paths(func(path string) bool {
			p := &parsed{path: path, done: make(chan struct{})}
			select {
			case queue <- p:
			case <-stop:
				return false
			}
			jobs <- p
			return true
		})
	}()
	var err error
	for p := range queue {
		<-p.done
		if err == nil {
			if err = each(p); err != nil {
				close(stop)
			}
		}
	}
	wg.Wait()
	if err != nil {
		return err
	}
	return pathsErr
}

// readCatalog reads and parses every resource file under dir, keeping an
// entry per file; visit, if not nil, sees each valid file (in walk order,
// numbered as the entries) while it is in memory. It stops when ctx ends.
func readCatalog(ctx context.Context, dir string, visit func(i int, f *content.FileImport)) (*catalog, error) {
	c := &catalog{intern: map[string]string{}}
	err := readParsed(func(yield func(string) bool) error {
		var err error
		c.dir, err = walk(dir, func(path string) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			if !yield(path) {
				return filepath.SkipAll
			}
			return nil
		})
		return err
	}, true, func(p *parsed) error {
		i := len(c.entries)
		c.entries = append(c.entries, entry{path: p.path})
		if len(p.errs) > 0 {
			c.errors = append(c.errors, p.errs...)
			return nil
		}
		c.add(i, &p.file)
		if visit != nil {
			visit(i, &p.file)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// add fills entry i from its parsed file, copying what it keeps so that
// the file's text can be freed.
func (c *catalog) add(i int, f *content.FileImport) {
	e := &c.entries[i]
	d := &f.Draft
	e.valid = true
	hex.Decode(e.hash[:], []byte(f.Hash))
	e.slug = strings.Clone(d.Slug)
	e.lang = c.str(d.Language)
	e.transOf = strings.Clone(d.TranslationOf)
	e.kind = content.Kind(c.str(string(d.Kind)))
	e.status = content.Status(c.str(string(f.Status)))
	for _, r := range d.Related {
		e.related = append(e.related, strings.Clone(r))
	}
	seen := map[string]bool{}
	for _, m := range internalLinkRE.FindAllStringSubmatch(d.Body, -1) {
		if !seen[m[1]] {
			seen[m[1]] = true
			e.bodyLinks = append(e.bodyLinks, strings.Clone(m[1]))
		}
	}
	for _, t := range d.Topics {
		e.topics = append(e.topics, c.str(t))
	}
	for _, n := range d.Nations {
		e.nations = append(e.nations, c.str(n))
	}
}

// published is what a slug outside the files resolves to: a published
// resource in the store, in a language.
type published struct {
	found   bool
	lang    string
	transOf string // the slug its live revision translates, if any
}

// dups fails every file whose slug another file also uses, naming the
// others.
func (c *catalog) dups() {
	bySlug := map[string][]int{}
	for i := range c.entries {
		if e := &c.entries[i]; e.good() {
			bySlug[e.slug] = append(bySlug[e.slug], i)
		}
	}
	for slug, idx := range bySlug {
		if len(idx) < 2 {
			continue
		}
		for _, i := range idx {
			var others []string
			for _, j := range idx {
				if j != i {
					others = append(others, c.entries[j].path)
				}
			}
			c.fail(i, "slug", "slug %q is also used by %s", slug, strings.Join(others, ", "))
		}
	}
}

// settle applies the link rules that span files (after dups), failing the
// files that break them: translation_of, related and body links must name
// a slug that an imported file has, or that outside says is published in
// the store (nil: none is). A file that fails makes the files linking to
// it fail in turn, until no more do, so no imported file links to a slug
// that is missing, and no published file to one the public cannot see (a
// draft).
func (c *catalog) settle(ctx context.Context, outside func(ctx context.Context, slugs []string) (map[string]published, error)) error {
	bySlug := map[string][]int{}
	for i := range c.entries {
		if e := &c.entries[i]; e.valid {
			bySlug[e.slug] = append(bySlug[e.slug], i)
		}
	}
	ext := map[string]published{}
	// good is which files are imported as a pass starts: a pass judges
	// every file against the same set, so which files fail does not depend
	// on their order (a cycle of translations fails every file in it);
	// the next pass sees the failures.
	good := make([]bool, len(c.entries))
	// resolve says what a link to slug finds: the language of the imported
	// file or published resource, or why there is none. A published file
	// may link only to what the public sees: a published file, a slug whose
	// resource the store publishes, or a published resource outside.
	resolve := func(slug string, public bool) (t content.LinkTarget, ok bool, why string) {
		if idx := bySlug[slug]; len(idx) == 1 && good[idx[0]] {
			e := &c.entries[idx[0]]
			if !public || e.status == content.StatusPublished || e.live {
				return content.LinkTarget{Found: true, Public: true, Language: e.lang, TranslationOf: e.transOf}, true, ""
			}
			return t, false, fmt.Sprintf(" (%s is a draft)", e.path)
		}
		if p := ext[slug]; p.found {
			return content.LinkTarget{Found: true, Public: true, Language: p.lang, TranslationOf: p.transOf}, true, ""
		}
		if idx := bySlug[slug]; len(idx) > 0 {
			return t, false, fmt.Sprintf(" (%s is not imported: it has errors)", c.entries[idx[0]].path)
		}
		return t, false, ""
	}
	// where names the file that has slug, for a message: " (path)", or "".
	where := func(slug string) string {
		if idx := bySlug[slug]; len(idx) == 1 {
			return " (" + c.entries[idx[0]].path + ")"
		}
		return ""
	}
	for {
		for i := range c.entries {
			good[i] = c.entries[i].good()
		}
		if outside != nil {
			var need []string
			asked := map[string]bool{}
			for i := range c.entries {
				e := &c.entries[i]
				if !e.good() {
					continue
				}
				for _, s := range e.links() {
					if _, ok, _ := resolve(s, e.status == content.StatusPublished); !ok && !asked[s] {
						if _, done := ext[s]; !done {
							asked[s] = true
							need = append(need, s)
						}
					}
				}
			}
			if len(need) > 0 {
				sort.Strings(need)
				got, err := outside(ctx, need)
				if err != nil {
					return err
				}
				for _, s := range need {
					ext[s] = got[s]
				}
			}
		}
		failed := 0
		// The published files that translate each slug, as this pass
		// starts (so that which file fails does not depend on file order).
		own := map[string][]content.Translation{}
		for i := range c.entries {
			if e := &c.entries[i]; good[i] && e.transOf != "" && e.status == content.StatusPublished {
				own[e.transOf] = append(own[e.transOf], content.Translation{Slug: e.slug, Language: e.lang})
			}
			if good[i] && len(c.entries[i].extTrans) > 0 {
				own[c.entries[i].slug] = append(own[c.entries[i].slug], c.entries[i].extTrans...)
			}
		}
		for i := range c.entries {
			e := &c.entries[i]
			if !good[i] {
				continue
			}
			public := e.status == content.StatusPublished
			if t := e.transOf; t != "" {
				if _, ok, why := resolve(t, public); !ok {
					c.fail(i, "translation_of", "no resource with slug %q in the library%s", t, why)
				}
			}
			// The translation rules, from both sides (breaker7 F6): the
			// API's own rule code, with what the files (and the store)
			// say about the slugs.
			d := content.Draft{Slug: e.slug, Language: e.lang, TranslationOf: e.transOf}
			if _, ok, _ := resolve(e.transOf, public); e.transOf == "" || ok {
				for _, p := range d.CheckLinks(func(slug string) content.LinkTarget {
					t, _, _ := resolve(slug, public)
					return t
				}, own[e.slug]) {
					// Name the files involved: the original's, or the
					// translations' when the rule is about them.
					field, msg := p.Field, p.Message
					if strings.Contains(msg, "published translation") {
						for _, t := range own[e.slug] {
							msg += where(t.Slug)
						}
					} else if e.transOf != e.slug {
						msg += where(e.transOf)
					}
					if field == "translationOf" {
						field = "translation_of"
					}
					c.fail(i, field, "%s", msg)
				}
			}
			for _, s := range e.bodyLinks {
				if _, ok, why := resolve(s, public); !ok {
					c.fail(i, "body", "links to /resources/%s, which is not in the library%s", s, why)
				}
			}
			for _, s := range e.related {
				if _, ok, why := resolve(s, public); !ok {
					c.fail(i, "related", "no resource with slug %q in the library%s", s, why)
				}
			}
			if e.bad {
				failed++
			}
		}
		if failed == 0 {
			break
		}
	}
	sort.SliceStable(c.errors, func(i, j int) bool { return c.errors[i].Path < c.errors[j].Path })
	return nil
}

// links lists the slugs the file names: translation_of, body links, related.
func (e *entry) links() []string {
	out := make([]string, 0, 1+len(e.bodyLinks)+len(e.related))
	if e.transOf != "" {
		out = append(out, e.transOf)
	}
	out = append(out, e.bodyLinks...)
	return append(out, e.related...)
}

// Options control ImportWith.
type Options struct {
	// Prune withdraws file-origin resources recorded under the directory
	// whose files are gone (after a complete pass only).
	Prune bool
	// BatchFiles and BatchBytes bound a batch (its files are parsed and
	// held at once, and written in one transaction): 500 files and 16 MiB
	// when zero.
	BatchFiles int
	BatchBytes int
	// OnResult, if not nil, sees every resource the import changed (after
	// its commit), in no particular order.
	OnResult func(content.ImportResult)
	// AfterBatch, if not nil, runs after each staged batch with the number
	// of batches staged so far; an error stops the import there, before
	// its commit (tests interrupt imports with it).
	AfterBatch func(n int) error
	// Writers is how many batches are staged at once, each on its own
	// database connection: 2 when zero.
	Writers int
	// ForcePrune lets Prune withdraw all of the resources recorded under
	// the directory (an empty one), or more than half of them when that is
	// ten or more; without it such a prune is skipped and reported as an
	// error.
	ForcePrune bool
}

// lookupChunk is how many slugs one store lookup asks for.
const lookupChunk = 5000

// ImportWith is Import with options. It reads the library twice (see the
// comment at the top of this file), holding one entry per file and one
// batch of parsed files, and writes in batches that stay invisible until
// one commit at the end publishes them all, records their change-log rows
// and prunes. An import stopped before that commit (an error, a killed
// process) changes nothing the public sees, and the next import resumes
// from the batches it staged.
func ImportWith(ctx context.Context, store content.Importer, dir string, opts Options) (*Report, error) {
	if opts.BatchFiles <= 0 {
		opts.BatchFiles = 500
	}
	if opts.BatchBytes <= 0 {
		opts.BatchBytes = 16 << 20
	}
	if opts.Writers <= 0 {
		opts.Writers = 2
	}
	start := time.Now()
	cat, err := readCatalog(ctx, dir, nil)
	if err != nil {
		return nil, err
	}
	present := make([]string, len(cat.entries))
	cat.byPath = make(map[string]int, len(cat.entries))
	for i := range cat.entries {
		present[i] = cat.entries[i].path
		cat.byPath[present[i]] = i
	}
	sess, err := store.BeginImport(ctx, content.ImportOptions{
		Prune: opts.Prune, PruneDir: cat.dir, Present: present,
		OriginOwns: cat.owns, ForcePrune: opts.ForcePrune,
	})
	if err != nil {
		return nil, err
	}
	defer sess.Close()
	rep := &Report{counts: map[string]int{}, Files: len(cat.entries)}
	cat.dups()

	// What the store holds for each file's slug: conflicts fail the file
	// before links are settled; unchanged and already staged files are not
	// read again.
	var keep []int64
	for start := 0; start < len(cat.entries); start += lookupChunk {
		end := min(start+lookupChunk, len(cat.entries))
		var slugs []string
		at := map[string]int{}
		for i := start; i < end; i++ {
			if e := &cat.entries[i]; e.good() {
				if _, dup := at[e.slug]; !dup {
					at[e.slug] = i
					slugs = append(slugs, e.slug)
				}
				e.write = true
			}
		}
		if len(slugs) == 0 {
			continue
		}
		stored, err := sess.Lookup(ctx, slugs)
		if err != nil {
			return nil, err
		}
		for _, s := range stored {
			// Every file with this slug in the chunk (duplicates have
			// already failed, so at most one is good).
			i := at[s.Slug]
			e := &cat.entries[i]
			if !e.good() {
				continue
			}
			hash := hex.EncodeToString(e.hash[:])
			e.live = s.Status == content.StatusPublished
			for _, t := range s.Translations {
				if _, ours := cat.byPath[t.Origin]; ours || (opts.Prune && strings.HasPrefix(t.Origin, cat.dir+string(filepath.Separator))) {
					continue // its file (present, or gone and pruned) decides
				}
				e.extTrans = append(e.extTrans, content.Translation{Slug: t.Slug, Language: t.Language})
			}
			stagedNew := s.StagedPath != "" && s.Hash == ""
			switch {
			case s.Origin == "":
				cat.fail(i, "slug", "slug %q belongs to a resource made through the API; choose another slug", s.Slug)
			case !stagedNew && s.Origin != e.path && cat.owns(s.Origin, s.Slug):
				cat.fail(i, "slug", "slug %q is already owned by %s", s.Slug, s.Origin)
			case s.StagedHash == hash && s.StagedPath == e.path:
				e.write, e.staged, e.id = false, true, s.ID
			case s.Hash == hash && s.Origin == e.path &&
				!(s.Status == content.StatusWithdrawn && e.status == content.StatusPublished && s.Language != ""):
				e.write, e.id = false, s.ID
			}
		}
	}
	err = cat.settle(ctx, func(ctx context.Context, slugs []string) (map[string]published, error) {
		return outsideSlugs(ctx, sess, cat, slugs, opts.Prune)
	})
	if err != nil {
		return nil, err
	}
	for i := range cat.entries {
		e := &cat.entries[i]
		switch {
		case !e.good():
		case e.staged:
			keep = append(keep, e.id)
		case !e.write:
			rep.counts["unchanged"]++
		default:
			rep.Written++
		}
	}
	rep.Read = time.Since(start)
	start = time.Now()

	// Second pass: read, parse and stage the files to write, a batch at a
	// time; the next batch is read while others are written.
	batches := make(chan []content.FileImport, 1)
	readErr := make(chan error, 1)
	rctx, stop := context.WithCancel(ctx)
	defer stop()
	var lateErrs []*FileError
	go func() {
		defer close(batches)
		var batch []content.FileImport
		size := 0
		send := func() error {
			select {
			case batches <- batch:
				batch, size = nil, 0
				return nil
			case <-rctx.Done():
				return rctx.Err()
			}
		}
		var next int // the entry of the file being read
		err := readParsed(func(yield func(string) bool) error {
			for i := range cat.entries {
				if e := &cat.entries[i]; e.good() && e.write && !yield(e.path) {
					return nil
				}
			}
			return nil
		}, false, func(p *parsed) error {
			for e := &cat.entries[next]; e.path != p.path || !e.good() || !e.write; e = &cat.entries[next] {
				next++
			}
			e := &cat.entries[next]
			next++
			switch {
			case len(p.errs) > 0:
				lateErrs = append(lateErrs, p.errs...)
				return nil
			case p.file.Hash != hex.EncodeToString(e.hash[:]):
				lateErrs = append(lateErrs, &FileError{Path: p.path, Message: "changed while it was being imported; import again"})
				return nil
			}
			batch = append(batch, p.file)
			size += p.size
			if len(batch) >= opts.BatchFiles || size >= opts.BatchBytes {
				return send()
			}
			return nil
		})
		if err == nil && len(batch) > 0 {
			err = send()
		}
		readErr <- err
	}()
	// Writers stage batches side by side (they never share a slug);
	// results are counted here, one batch at a time.
	type staged struct {
		results []content.ImportResult
		err     error
	}
	done := make(chan staged)
	var writers sync.WaitGroup
	for w := 0; w < opts.Writers; w++ {
		writers.Add(1)
		go func() {
			defer writers.Done()
			for batch := range batches {
				results, err := sess.Stage(rctx, batch)
				done <- staged{results, err}
			}
		}()
	}
	go func() { writers.Wait(); close(done) }()
	n := 0
	var failed error
	failedPaths := map[string]bool{}
	for st := range done {
		if failed != nil {
			continue // draining after a failure
		}
		if st.err != nil {
			failed = st.err
			stop()
			continue
		}
		for _, r := range st.results {
			switch {
			case r.Err != nil:
				rep.Errors = append(rep.Errors, fileError(r))
				failedPaths[r.Path] = true
			case r.Action == "staged":
				keep = append(keep, r.ID)
			default:
				rep.counts[r.Action]++
			}
		}
		n++
		if opts.AfterBatch != nil {
			if err := opts.AfterBatch(n); err != nil {
				failed = err
				stop()
			}
		}
	}
	if failed != nil {
		<-readErr
		return nil, failed
	}
	if err := <-readErr; err != nil {
		return nil, err
	}
	rep.Batches, rep.Write = n, time.Since(start)
	start = time.Now()
	for _, e := range lateErrs {
		failedPaths[e.Path] = true
	}
	var defined []content.Defined
	for i := range cat.entries {
		if e := &cat.entries[i]; e.good() && !failedPaths[e.path] {
			defined = append(defined, content.Defined{Path: e.path, Slug: e.slug})
		}
	}
	err = sess.Commit(ctx, keep, defined, func(r content.ImportResult) {
		if r.Err != nil {
			rep.Errors = append(rep.Errors, fileError(r))
			return
		}
		rep.counts[r.Action]++
		if opts.OnResult != nil {
			opts.OnResult(r)
		}
	})
	if err != nil {
		return nil, err
	}
	rep.Commit = time.Since(start)
	rep.Errors = append(append(cat.errors, lateErrs...), rep.Errors...)
	sort.SliceStable(rep.Errors, func(i, j int) bool { return rep.Errors[i].Path < rep.Errors[j].Path })
	return rep, nil
}

func originExists(p string) bool { _, err := os.Stat(p); return err == nil }

// owns reports whether the file at path (a resource's recorded origin)
// still defines slug: a file this import read owns the slug it names (one
// that failed to parse keeps what it had); any other file owns its slug
// while it exists.
func (c *catalog) owns(path, slug string) bool {
	if i, ok := c.byPath[path]; ok {
		e := &c.entries[i]
		return !e.valid || e.slug == slug
	}
	return originExists(path)
}

// fileError is the report of a result the store refused.
func fileError(r content.ImportResult) *FileError {
	var ce *content.Error
	if errors.As(r.Err, &ce) {
		return &FileError{Path: r.Path, Field: ce.Field, Message: ce.Message}
	}
	return &FileError{Path: r.Path, Message: r.Err.Error()}
}

// outsideSlugs looks up slugs that no imported file has: published
// resources in the store resolve, except those this import prunes (their
// files under the directory are gone).
func outsideSlugs(ctx context.Context, sess content.ImportSession, cat *catalog, slugs []string, prune bool) (map[string]published, error) {
	out := map[string]published{}
	var origins map[string]bool
	var found []content.StoredFile
	for start := 0; start < len(slugs); start += lookupChunk {
		got, err := sess.Lookup(ctx, slugs[start:min(start+lookupChunk, len(slugs))])
		if err != nil {
			return nil, err
		}
		found = append(found, got...)
	}
	if prune {
		origins = map[string]bool{}
		for _, s := range found {
			if strings.HasPrefix(s.Origin, cat.dir+string(filepath.Separator)) {
				origins[s.Origin] = false
			}
		}
		if len(origins) > 0 {
			for i := range cat.entries {
				if _, ok := origins[cat.entries[i].path]; ok {
					origins[cat.entries[i].path] = true
				}
			}
		}
	}
	for _, s := range found {
		if present, ok := origins[s.Origin]; ok && !present {
			continue // pruned by this import
		}
		if i, ok := cat.byPath[s.Origin]; ok && cat.entries[i].good() && cat.entries[i].slug != s.Slug {
			continue // its file names another slug now: withdrawn by this import
		}
		if s.Status == content.StatusPublished {
			out[s.Slug] = published{found: true, lang: s.Language, transOf: s.TranslationOf}
		}
	}
	return out, nil
}
