package search

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"sync/atomic"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// One search on two cores. When a search through the fast scorer is the
// only one running and a core is idle, its two scoring passes each split
// the index's documents into two halves (by document number, across
// segments and within one) and score the second half on another
// goroutine, with a plan of its own (compiled again from the same
// snapshot: a plan's nodes hold the state of their iterators):
//
//   - rerank's first pass: each half keeps its own k best candidates,
//     and the second half's are then offered to the first's;
//     candidateHeap's order is total (score, then document), so the k kept
//     are the k best of all, exactly what one pass keeps;
//   - rerank's second pass: each half scores its own candidates, and the
//     second half's hits are offered to the page after the first's;
//     relevanceTop's order is total too (score, date, id).
//
// Under load (another search in progress) a search runs on one goroutine
// as before: the second plan costs a little more CPU in all, so the split
// buys latency when cores are idle and would cost throughput when they are
// not.

// searching counts the searches in fastScore.
var searching atomic.Int32

// spare holds a token per core beyond the first.
var spare = make(chan struct{}, max(1, runtime.GOMAXPROCS(0)-1))

// parallelOff turns the split off (a one-core machine; tests and
// benchmarks set it); parallelMinDocs and parallelMinCandidates are the
// least documents in the index and candidates in a second pass worth a
// second goroutine (tests lower them); parallelRuns counts the splits.
var (
	parallelOff           = runtime.GOMAXPROCS(0) < 2
	parallelMinDocs       = uint64(8192)
	parallelMinCandidates = 64
	parallelRuns          atomic.Int64
)

// spareCPU takes a spare core when this is the only search running; the
// caller calls release when done.
func spareCPU() (release func(), ok bool) {
	if parallelOff || searching.Load() > 1 {
		return nil, false
	}
	select {
	case spare <- struct{}{}:
		parallelRuns.Add(1)
		return func() { <-spare }, true
	default:
		return nil, false
	}
}

// again is a compiler of the same snapshot with nothing compiled yet: a
// plan for another goroutine (a plan's nodes hold their iterators' state).
func (c *compiler) again() *compiler {
	return &compiler{ctx: c.ctx, snap: c.snap, m: c.m, stats: c.stats, dicts: map[string][]segment.TermDictionary{}}
}

// onSecondCore runs work on another goroutine with a plan of q of its
// own (compiled again from c's snapshot); wait returns work's error, or a
// panic's as an error (recoverInto). What work writes is the caller's to
// read after wait.
func onSecondCore(c *compiler, q query.Query, work func(p *fastPlan) error) (wait func() error) {
	ch := make(chan error, 1)
	go func() {
		var err error
		defer func() { ch <- err }()
		defer recoverInto(&err)
		if secondCoreHook != nil {
			secondCoreHook()
		}
		var p2 *fastPlan
		if p2, err = c.again().compileRoot(q); err != nil {
			return
		}
		err = work(p2)
	}()
	return func() error { return <-ch }
}

// secondCoreHook, when set, runs first on the second goroutine (tests).
var secondCoreHook func()

// recoverInto turns a panic of the second goroutine into an error of the
// search: a panic outside a request's own goroutine would stop the whole
// process (net/http recovers only the handler's).
func recoverInto(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("fast scorer, second core: %v", r)
	}
}

// splitDocs returns the document number (counted across segments, as
// Bleve's internal ids are) halving the snapshot's documents, or 0 when
// the index is too small to split.
func splitDocs(segs []*scorch.SegmentSnapshot) uint64 {
	var all uint64
	for _, s := range segs {
		all += s.Segment().Count()
	}
	if all < max(2, parallelMinDocs) {
		return 0
	}
	return all / 2
}

// docRange returns segment si's match set m restricted to the documents
// numbered lo..hi-1 across segments (base: the segment's first), nil when
// none of them is in the segment.
func docRange(m *roaring.Bitmap, base, size, lo, hi uint64) *roaring.Bitmap {
	if base >= hi || base+size <= lo {
		return nil
	}
	from, to := max(lo, base)-base, min(hi, base+size)-base
	if from == 0 && to == size {
		return m
	}
	r := roaring.New()
	r.AddRange(from, to)
	r.And(m)
	return r
}

// scoreInParallel is fastScore's pruned loop for rerank (no seed) over
// the documents numbered below mid here, through emit, and the others on
// another goroutine into candidates of its own, merged into rr before it
// returns. done is false when the plan has no match sets (fastScore's
// other loop then runs).
func scoreInParallel(ctx context.Context, c *compiler, p *fastPlan, q query.Query, segs []*scorch.SegmentSnapshot, bases []uint64, mid uint64, scoring []*fnode, theta func() (float64, bool), rr *rerankTop, emit func(uint64, float64) error) (total, scoredB uint64, done bool, err error) {
	termBounds.forget(segs)
	end := bases[len(segs)-1] + segs[len(segs)-1].Segment().Count()
	// The segments holding documents below mid, and from mid on.
	ja := sort.Search(len(segs), func(i int) bool { return bases[i] >= mid })
	jb := sort.Search(len(segs), func(i int) bool { return bases[i]+segs[i].Segment().Count() > mid })
	msA, sbsA := matchSetsIn(p, segs, 0, ja)
	if msA == nil {
		return 0, 0, false, nil
	}
	var totalB uint64
	local := &rerankTop{k: rr.k, cands: make(candidateHeap, 0, min(rr.k, 1024))}
	rr.keys = planTerms(p.root)
	rr.src, local.src = newFeatSource(rr.keys), newFeatSource(rr.keys)
	defer func() { rr.src = nil }()
	wait := onSecondCore(c, q, func(p2 *fastPlan) error {
		ms, sbs := matchSetsIn(p2, segs, jb, len(segs))
		if ms == nil {
			return errors.New("fast scorer: a plan with match sets compiled again without them")
		}
		var id index.IndexInternalID
		var err error
		totalB, err = scoreRange(p2, leaves(p2.root, nil), segs, bases, jb, len(segs), mid, end, ms, sbs, local.theta, local.src, func(si int, d uint64, score float64) error {
			if scoredB++; scoredB&1023 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			id = index.NewIndexInternalID(id, bases[si]+d)
			local.offerCandidate(score, id)
			return nil
		})
		return err
	})
	totalA, errA := scoreRange(p, scoring, segs, bases, 0, ja, 0, mid, msA, sbsA, theta, rr.src, func(si int, d uint64, score float64) error {
		return emit(bases[si]+d, score)
	})
	errB := wait()
	if errA != nil {
		return 0, 0, true, errA
	}
	if errB != nil {
		return 0, 0, true, errB
	}
	rr.src = nil
	for _, cand := range local.cands {
		rr.offerWith(cand.score, cand.id, cand.feats)
	}
	return totalA + totalB, scoredB, true, nil
}

// scoreRange is fastScore's pruned loop without a seed over the documents
// numbered lo..hi-1 (across segments), in segments from..to-1 of plan p
// (ms, sbs: its match sets there): it emits, in document order, every
// match there that can beat theta, and returns the number of matches
// there.
//
// src, when not nil, is bound to each segment's iterators (the candidates
// keep their postings: rescorebounds.go).
func scoreRange(p *fastPlan, scoring []*fnode, segs []*scorch.SegmentSnapshot, bases []uint64, from, to int, lo, hi uint64, ms []*roaring.Bitmap, sbs []*segBits, theta func() (float64, bool), src *featSource, emit func(si int, d uint64, score float64) error) (uint64, error) {
	var total uint64
	in := make([]*roaring.Bitmap, len(segs))
	for si := from; si < to; si++ {
		in[si] = docRange(ms[si], bases[si], segs[si].Segment().Count(), lo, hi)
		if in[si] != nil {
			total += in[si].GetCardinality()
		}
	}
	byBound := make([][]*fnode, len(segs))
	for si := from; si < to; si++ {
		if in[si] == nil {
			continue
		}
		if err := termBounds.set(segs[si], si, scoring); err != nil {
			return 0, err
		}
		termBounds.use(segs[si], si, scoring)
		byBound[si] = sortedByBound(p.root, scoring)
	}
	var ierr error
	for si := from; si < to; si++ {
		if in[si] == nil {
			continue
		}
		it := prunedScorer(p, si, false, &ierr)
		if src != nil {
			src.bind(p.root, bases[si])
		}
		termBounds.use(segs[si], si, scoring)
		err := prunedSegment(p, si, sbs[si], in[si], it, byBound[si], theta, false, func(d uint64, score float64) error { return emit(si, d, score) })
		if ierr != nil {
			return 0, ierr
		}
		if err != nil {
			return 0, err
		}
	}
	return total, nil
}

// segmentOf returns the segment holding document g (numbered across
// segments) and that segment's first document number.
func segmentOf(segs []*scorch.SegmentSnapshot, g uint64) (j int, base uint64) {
	for ; j < len(segs)-1 && g >= base+segs[j].Segment().Count(); j++ {
		base += segs[j].Segment().Count()
	}
	return j, base
}

// rescoreInParallel is fastRescore over ids (sorted) split at kj: the
// first part here, offered as scored, the rest on another goroutine with
// a plan of its own, offered after.
func rescoreInParallel(c *compiler, p *fastPlan, q query.Query, segs []*scorch.SegmentSnapshot, ids []index.IndexInternalID, kj int, offer func(*search.DocumentMatch) error) (int, error) {
	j, base := segmentOf(segs, ids[kj].Value())
	type hit struct {
		score float64
		id    index.IndexInternalID
	}
	var hits []hit
	wait := onSecondCore(c, q, func(p2 *fastPlan) error {
		_, err := rescoreFrom(p2, segs, ids[kj:], j, base, func(d *search.DocumentMatch) error {
			hits = append(hits, hit{d.Score, index.NewIndexInternalID(nil, d.IndexInternalID.Value())})
			return nil
		}, nil)
		return err
	})
	n, errA := rescoreFrom(p, segs, ids[:kj], 0, 0, offer, nil)
	errB := wait()
	if errA != nil {
		return n, errA
	}
	if errB != nil {
		return n, errB
	}
	dm := &search.DocumentMatch{}
	for _, h := range hits {
		dm.Score, dm.IndexInternalID = h.score, h.id
		n++
		if err := offer(dm); err != nil {
			return n, err
		}
	}
	return n, nil
}

// SetParallelSearch turns the split of one search over two cores on (the
// default on a machine with two cores or more) or off, for the whole
// process; benchmarks (searchprof -parallel=false) compare the two. Call
// it before searching.
func SetParallelSearch(on bool) { parallelOff = !on || runtime.GOMAXPROCS(0) < 2 }
