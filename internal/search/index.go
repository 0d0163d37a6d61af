package search

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
	"go.etcd.io/bbolt"

	"guidancehub/internal/content"
)

// Internal keys stored in the index beside the documents.
const (
	keyMapping   = "mapping_version"
	keyWatermark = "watermark"  // change-log watermark the index reflects
	keyAppliedAt = "applied_at" // when it last caught up (RFC 3339)
	keyReindex   = "reindex"    // the newest reindex request carried out
)

// ErrInUse says another process has the index open.
var ErrInUse = errors.New("the search index is in use by another process: each hub process needs its own HUB_DATA_DIR")

// errNotReady is what searches get until the index has caught up.
var errNotReady = content.Unavailable(5*time.Second, "the search index is being built; try again in a few seconds")

// Index is one process's Bleve index under a directory. Searches run
// concurrently; a rebuild builds beside the live index and swaps it in.
type Index struct {
	path  string
	log   *slog.Logger
	mu    sync.RWMutex // guards idx during a swap
	idx   bleve.Index
	at    string // where idx lives: path, or a temporary empty index
	ready atomic.Bool
	// needRebuild is set at open when the index is new, damaged or stale.
	needRebuild bool
	// damaged is set when the live index is found damaged after opening
	// (heal.go); onDamage wakes the syncer to rebuild it.
	damaged  atomic.Bool
	onDamage func()
	verify   verifier
	// present holds the language groups the index has documents in
	// ([]string); queries search only their fields.
	present atomic.Value
	vocab   vocabulary
	// withdrawn: in-memory indexes of withdrawn resources (MatchWithdrawn).
	withdrawn withdrawnCache
	rank      Ranking
	m         *Metrics
	// pos is the change-log position applied (position.go).
	pos position
	// texts gives highlights their text (highlight.go); nil: none.
	texts TextSource
	// storeText builds indexes that store title, summary and body (tests:
	// the oracle of highlight.go is Bleve's highlighting of stored text).
	storeText bool
	// copying is held while a snapshot is copied from the live index
	// (snapshot.go) and by swapIn and Close, which wait for it.
	copying sync.Mutex
	// facets holds the facet tables of the index's segments (facets.go).
	facets facetCache
	// plain makes Search use Bleve's own sort, facets and highlighting in the
	// one search request: the reference the faster paths (collect.go,
	// highlightPage) are tested against.
	plain bool
	// setsFirst, when not 0, replaces setsFirstDocs (relax.go; tests:
	// -1 makes every library large).
	setsFirst int
	// candidates is how many hits rerankTop scores with the phrase pairs
	// (0: pairCandidates); tests set it.
	candidates int
	// pairs: the index marks every two neighbouring terms
	// (Options.PhrasePairs): its layout, fixed when opened. rank.PairMarks
	// may be set only with it (tests turn it off to compare).
	pairs bool
	// singleLeaves, when not 0, replaces singlePassLeaves (rerank.go);
	// tests set it. passed, when set, is told for each search in
	// relevance order above the candidates whether it ran through rerank
	// (true) or in one pass (tests).
	singleLeaves int
	passed       func(rerank bool)
	// slowScore turns fastScore off (topk.go): Bleve's searchers score
	// every search, the reference its tests and benchmarks compare with;
	// noPrune keeps fastScore but scores every match.
	// fastRan, when set, receives each query fastScore ran (with the
	// matches it scored and their number), fastMissed
	// what made it fall back to Bleve (tests).
	slowScore  bool
	noPrune    bool
	fastRan    func(q query.Query, scored, total uint64)
	fastMissed func(string)
	// noFacetSets counts every search's facets in a facetQuery, the
	// reference of the facets from sets (facetsets.go);
	// facetSetsBySearcher makes the sets' path count them through the
	// text query's searcher instead (its fallback); facetSetsRan and
	// facetSetsMissed, when set, hear which way a search counted them
	// (tests).
	noFacetSets, facetSetsBySearcher bool
	facetSetsRan, facetSetsMissed    func()
}

// openIndex opens the index at path, creating it if missing. It reports
// whether the index must be rebuilt from PostgreSQL (new, damaged or built
// with another mapping version).
//
// With pairs, the index marks every two neighbouring terms
// (Options.PhrasePairs, mapping version 8): an index built without them
// is rebuilt, and the other way round.
func openIndex(path string, log *slog.Logger, m *Metrics, pairs bool) (*Index, bool, error) {
	ix := &Index{path: path, log: log, m: m, rank: DefaultRanking, pairs: pairs}
	ix.rank.PairMarks = pairs
	idx, err := openRecovered(path)
	switch {
	case err == nil:
		v, verr := idx.GetInternal([]byte(keyMapping))
		ix.idx, ix.at = idx, path
		openIndexes.Store(path, ix)
		ix.loadPresent()
		if verr != nil || string(v) != ix.mappingVersion() {
			log.Info("search index built with another mapping: rebuilding", "have", string(v), "want", ix.mappingVersion())
			return ix, true, nil
		}
		return ix, false, nil
	case errors.Is(err, bbolt.ErrTimeout):
		return nil, false, ErrInUse
	case errors.Is(err, bleve.ErrorIndexPathDoesNotExist), errors.Is(err, bleve.ErrorIndexMetaMissing):
		log.Info("no search index: building it", "path", path)
	default:
		log.Warn("search index damaged: rebuilding it beside the old one", "path", path, "err", err)
	}
	// Search answers "not ready" until the rebuild swaps a real index in.
	empty, err := newEmpty(path + ".empty")
	if err != nil {
		return nil, false, err
	}
	ix.idx, ix.at = empty, path+".empty"
	return ix, true, nil
}

func newEmpty(path string) (bleve.Index, error) {
	os.RemoveAll(path)
	m, err := newMapping(DefaultRanking)
	if err != nil {
		return nil, err
	}
	return bleve.NewUsing(path, m, bleve.Config.DefaultIndexType, bleve.Config.DefaultKVStore, nil)
}

// current returns the live index under the read lock; release with done.
func (ix *Index) current() (bleve.Index, func()) {
	ix.mu.RLock()
	return ix.idx, ix.mu.RUnlock
}

// internal reads an internal key as a string.
func (ix *Index) internal(key string) string {
	idx, done := ix.current()
	defer done()
	v, _ := idx.GetInternal([]byte(key))
	return string(v)
}

func (ix *Index) watermark() uint64 {
	n, _ := strconv.ParseUint(ix.internal(keyWatermark), 10, 64)
	return n
}

func (ix *Index) appliedAt() time.Time {
	t, _ := time.Parse(time.RFC3339Nano, ix.internal(keyAppliedAt))
	return t
}

// DocCount returns the number of documents in the live index.
func (ix *Index) DocCount() (uint64, error) {
	idx, done := ix.current()
	defer done()
	return idx.DocCount()
}

// Ready reports whether the index has caught up with PostgreSQL.
func (ix *Index) Ready() bool { return ix.ready.Load() }

// apply indexes published resources and deletes the others, and records the
// watermark, in one batch.
func (ix *Index) apply(ids []int64, published map[int64]*content.Resource, watermark uint64) error {
	idx, done := ix.current()
	defer done()
	b := idx.NewBatch()
	var added []string
	for _, id := range ids {
		if r, ok := published[id]; ok {
			added = append(added, languageGroup(r.Language))
			if err := indexResource(b, idx.Mapping(), docID(id), r, ix.pairs); err != nil {
				return fmt.Errorf("index %d: %w", id, err)
			}
		} else {
			b.Delete(docID(id))
		}
	}
	b.SetInternal([]byte(keyWatermark), []byte(strconv.FormatUint(watermark, 10)))
	b.SetInternal([]byte(keyAppliedAt), []byte(time.Now().UTC().Format(time.RFC3339Nano)))
	changed := len(ids) > 0
	if changed {
		ix.pos.applying()
	}
	if err := idx.Batch(b); err != nil {
		return fmt.Errorf("apply changes: %w", err)
	}
	ix.addPresent(added...)
	ix.vocab.invalidate()
	ix.pos.moved(watermark, changed)
	return nil
}

// rebuild builds a fresh index from scan beside the live one and swaps it
// in; searches keep using the old index until the swap.
func (ix *Index) rebuild(ctx context.Context, scan func(ctx context.Context, fn func([]*content.Resource) error) (uint64, error), reindex string) error {
	t0 := time.Now()
	next := ix.path + ".new"
	os.RemoveAll(next)
	m, err := newMapping(ix.rank)
	if err != nil {
		return err
	}
	if ix.storeText {
		storeText(m)
	}
	// A batch returns once it is searchable in memory instead of after
	// the persister has written it (scorch.Batch waits for that
	// otherwise); the last batch below waits for everything. Nothing
	// searches this index before the swap, so nothing is lost if the
	// process dies meanwhile: the rebuild starts again.
	cfg := runtimeConfig()
	cfg["unsafe_batch"] = true
	background := make(chan error, 1)
	building.Store(next, background)
	defer building.Delete(next)
	fresh, err := bleve.NewUsing(next, m, bleve.Config.DefaultIndexType, bleve.Config.DefaultKVStore, cfg)
	if err != nil {
		return fmt.Errorf("rebuild: create: %w", err)
	}
	n := 0
	seen := map[string]bool{}
	// Bleve indexes one batch while the scan reads the next from
	// PostgreSQL (reading the kit's 100,000 resources alone took 55 s);
	// the two used to take turns.
	work := make(chan *bleve.Batch, 1)
	failed := make(chan struct{})
	indexed := make(chan struct{})
	var indexErr error
	go func() {
		defer close(indexed)
		defer func() {
			if p := recover(); p != nil {
				indexErr = fmt.Errorf("panic while indexing: %v", p)
				close(failed)
			}
		}()
		for b := range work {
			if err := fresh.Batch(b); err != nil {
				indexErr = err
				close(failed)
				return
			}
		}
	}()
	watermark, err := scan(ctx, func(rs []*content.Resource) error {
		b := fresh.NewBatch()
		for _, r := range rs {
			seen[languageGroup(r.Language)] = true
			if err := indexResource(b, m, docID(r.ID), r, ix.pairs); err != nil {
				return err
			}
		}
		n += len(rs)
		select {
		case work <- b:
			return nil
		case <-failed:
			return indexErr
		}
	})
	close(work)
	<-indexed
	if err == nil {
		err = indexErr
	}
	if err == nil {
		b := fresh.NewBatch()
		b.SetInternal([]byte(keyMapping), []byte(ix.mappingVersion()))
		b.SetInternal([]byte(keyWatermark), []byte(strconv.FormatUint(watermark, 10)))
		b.SetInternal([]byte(keyAppliedAt), []byte(time.Now().UTC().Format(time.RFC3339Nano)))
		if reindex != "" {
			b.SetInternal([]byte(keyReindex), []byte(reindex))
		}
		persisted := make(chan error, 1)
		b.SetPersistedCallback(func(err error) { persisted <- err })
		if err = fresh.Batch(b); err == nil {
			// Scorch persists a whole snapshot at a time: once this
			// batch is on disk, so is every batch before it.
			select {
			case err = <-persisted:
			case err = <-background:
			case <-ctx.Done():
				err = ctx.Err()
			}
		}
	}
	if cerr := fresh.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.RemoveAll(next)
		return fmt.Errorf("rebuild: %w", err)
	}

	var gs []string
	for g := range seen {
		gs = append(gs, g)
	}
	if err := ix.swapIn(next, gs); err != nil {
		return fmt.Errorf("rebuild: %w", err)
	}
	ix.m.rebuilds.Inc()
	ix.log.Info("search index rebuilt", "documents", n, "took", time.Since(t0).Round(time.Millisecond))
	return nil
}

// swapIn makes the complete index at next the live one: the old one is
// closed and removed, next renamed to the index path and opened, and the
// position moves to the watermark stored in it. groups are the language
// groups it has documents in (nil: read them from the index). A swap waits
// for a snapshot being copied from the old index (snapshot.go). If the new
// index does not open, an empty one takes its place (searches answer "not
// ready") and the error says why.
func (ix *Index) swapIn(next string, groups []string) error {
	ix.copying.Lock()
	defer ix.copying.Unlock()
	ix.mu.Lock()
	defer ix.mu.Unlock()
	old := ix.path + ".old"
	os.RemoveAll(old)
	oldPath := ix.at
	if ix.idx != nil {
		closeRecovered(ix.idx) // it may be damaged
		ix.idx = nil
	}
	if _, err := os.Stat(ix.path); err == nil {
		if err := os.Rename(ix.path, old); err != nil {
			return ix.emptyAfter(fmt.Errorf("move old index aside: %w", err))
		}
	}
	if err := os.Rename(next, ix.path); err != nil {
		return ix.emptyAfter(fmt.Errorf("swap: %w", err))
	}
	idx, err := openRecovered(ix.path)
	if err != nil {
		return ix.emptyAfter(fmt.Errorf("open: %w", err))
	}
	ix.idx, ix.at = idx, ix.path
	v, _ := idx.GetInternal([]byte(keyWatermark))
	watermark, _ := strconv.ParseUint(string(v), 10, 64)
	ix.pos.moved(watermark, true)
	openIndexes.Store(ix.path, ix)
	if docs, err := idx.DocCount(); err == nil {
		ix.m.docs.Set(float64(docs))
	}
	ix.present.Store([]string(nil))
	if groups == nil {
		ix.loadPresent()
	} else {
		ix.addPresent(groups...)
	}
	os.RemoveAll(old)
	os.RemoveAll(ix.path + ".empty")
	if oldPath != ix.path {
		os.RemoveAll(oldPath)
	}
	ix.vocab.invalidate()
	return nil
}

// emptyAfter puts an empty index in place of a live one that could not be
// swapped in or opened, so that searches answer "not ready" instead of
// using a closed index, and returns err. Called with ix.mu held.
func (ix *Index) emptyAfter(err error) error {
	ix.ready.Store(false)
	empty, eerr := newEmpty(ix.path + ".empty")
	if eerr != nil {
		return fmt.Errorf("%w (and no empty index: %v)", err, eerr)
	}
	ix.idx, ix.at = empty, ix.path+".empty"
	return err
}

// Close closes the index.
func (ix *Index) Close() error {
	ix.copying.Lock()
	defer ix.copying.Unlock()
	ix.withdrawn.close()
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.idx == nil {
		return nil
	}
	openIndexes.Delete(ix.path)
	err := ix.idx.Close()
	ix.idx = nil
	return err
}

// indexDir is where a data dir keeps its index.
func indexDir(dataDir string) string { return filepath.Join(dataDir, "index") }

// ReindexDone returns the number of the newest reindex request this index
// has carried out.
func (ix *Index) ReindexDone() int64 {
	n, _ := strconv.ParseInt(ix.internal(keyReindex), 10, 64)
	return n
}

// presentGroups returns the language groups with documents (English at
// least, so an empty index still parses queries).
func (ix *Index) presentGroups() []string {
	if gs, _ := ix.present.Load().([]string); len(gs) > 0 {
		return gs
	}
	return []string{"en"}
}

// addPresent records language groups that now have documents.
func (ix *Index) addPresent(gs ...string) {
	cur, _ := ix.present.Load().([]string)
	have := map[string]bool{}
	for _, g := range cur {
		have[g] = true
	}
	next := append([]string(nil), cur...)
	for _, g := range gs {
		if !have[g] {
			have[g] = true
			next = append(next, g)
		}
	}
	sort.Strings(next)
	ix.present.Store(next)
}

// loadPresent reads the languages in an existing index from a facet.
func (ix *Index) loadPresent() {
	req := bleve.NewSearchRequestOptions(bleve.NewMatchAllQuery(), 0, 0, false)
	req.AddFacet("language", bleve.NewFacetRequest("language", 100))
	res, err := ix.idx.Search(req)
	if err != nil || res.Facets["language"] == nil || res.Facets["language"].Terms == nil {
		return
	}
	var gs []string
	for _, t := range res.Facets["language"].Terms.Terms() {
		gs = append(gs, languageGroup(t.Term))
	}
	ix.addPresent(gs...)
}
