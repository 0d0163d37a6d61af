package search

import (
	"bytes"
	"container/heap"
	"math"
	"slices"
	"sync/atomic"

	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"
)

// Rerank's second pass, bounded. The first pass scores each match by the
// query without its pair phrases, and the second scores the k kept
// candidates with the full query (rerank.go): at 100,000 resources that
// second pass decoded every query term's postings up to each of the 1,000
// candidates (30 % of a search's CPU, issue 15), although the page keeps
// only first+1 of them and the first pass had already read, at each
// candidate, most postings the full query scores.
//
// So the first pass, through the compiled scorer, keeps with each
// candidate the frequency and norm of each of its query's terms there
// (termFeat; featSource reads them when a hit enters the candidates). At
// the second pass each candidate's full-query score is bracketed without
// reading a posting: whether a phrase holds at the candidate is not known
// (its positions were not read), nor the score of a term the first pass
// did not read there, so the score lies between the tree's value with
// those phrases and terms absent (loOf) and with every phrase present
// where its words are and every term not read at its largest score
// (hiOf). The candidates are then scored in document order as before,
// leaving out each one whose upper bound is below the k-th best lower
// bound (k other candidates score more, whatever their phrases) or below
// the page's theta at the time (relevanceTop.offer would drop it). The
// page is the same to the bit: the candidates scored are scored as
// before, and the bounds are the same arithmetic on the same postings
// (leafScore) in the same order (rounding is monotone, so a sum or a
// product of terms no smaller is no smaller), with pruneMargin to spare.
//
// When the first pass did not run through the compiled scorer (Bleve's
// searchers, a tree without match sets) or the full query names a term
// the first pass did not read, every candidate is scored as before; when
// the page continues from a cursor the k-th lower bound is not used
// (relevanceTop drops the hits before the cursor, so k candidates above
// one need not be on this page), only theta.

// termFeat is one term's posting at a document: its frequency and norm;
// freq 0 when the term is not in the document, and norm -1 as well when
// that is not known (the first pass did not read the term there: a
// marked phrase's words where the mark is not, a conjunction's words
// after one that is not there).
type termFeat struct {
	freq uint64
	norm float64
}

// unknownFeat is a term whose posting at the document was not read.
var unknownFeat = termFeat{norm: -1}

// termKey names a term in a field.
type termKey struct{ field, term string }

// planTerms returns the terms (field and term) n reads postings of, each
// once, in the order leafIterators opens them: scoring terms, the marks of
// marked phrases, exclusions and phrases' words.
func planTerms(n *fnode) []termKey {
	var out []termKey
	seen := map[termKey]bool{}
	walkTerms(n, func(l *fnode) {
		k := termKey{l.field, string(l.term)}
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	})
	return out
}

// walkTerms calls f on every term node under n, as leafIterators walks.
func walkTerms(n *fnode, f func(*fnode)) {
	switch n.kind {
	case fTerm:
		f(n)
	case fDisj, fConj:
		for _, k := range n.kids {
			walkTerms(k, f)
		}
	case fBool:
		for _, k := range []*fnode{n.must, n.should, n.not} {
			if k != nil {
				walkTerms(k, f)
			}
		}
	case fMarked:
		walkTerms(n.words, f)
		walkTerms(n.marks, f)
	case fPhrase:
		walkTerms(n.words, f)
	}
}

// featSource reads, for rerankTop, the postings of a plan's terms at the
// document a first pass is scoring (evalAt over leafIterators' shared
// iterators): bind after leafIterators opens a segment.
type featSource struct {
	keys []termKey // the first pass's terms, in planTerms order
	its  []*termIt // each key's iterator in the segment being scored
	base uint64    // the segment's first document number across segments
}

// newFeatSource returns a source of keys' postings in plan root's
// iterators (root names every key: a plan compiled from the same query).
func newFeatSource(keys []termKey) *featSource {
	return &featSource{keys: keys, its: make([]*termIt, len(keys))}
}

// bind points the source at root's iterators in the segment whose first
// document is base (after leafIterators).
func (s *featSource) bind(root *fnode, base uint64) {
	clear(s.its)
	ix := make(map[termKey]int, len(s.keys))
	for i, k := range s.keys {
		ix[k] = i
	}
	walkTerms(root, func(l *fnode) {
		if i, ok := ix[termKey{l.field, string(l.term)}]; ok {
			s.its[i] = l.it
		}
	})
	s.base = base
}

// at appends to dst each key's posting at document id (its number across
// segments, in the bound segment, the document evalAt scored last):
// unknownFeat for a term evalAt did not read there (its iterator is
// before the document; reading it would cost what the second pass
// saves).
func (s *featSource) at(id index.IndexInternalID, dst []termFeat) []termFeat {
	d := id.Value() - s.base
	for _, t := range s.its {
		switch {
		case t == nil || t.cur < d:
			dst = append(dst, unknownFeat)
		case t.cur == d:
			dst = append(dst, termFeat{freq: t.freq, norm: t.norm})
		default:
			dst = append(dst, termFeat{})
		}
	}
	return dst
}

// rescoreLeftOut counts the candidates the bounds left out of second
// passes (tests and benchmarks).
var rescoreLeftOut atomic.Int64

// candidateBounds returns each candidate's bound (hi: its full-query score
// with every phrase present where its words are) from the postings it
// kept, for p's root; false when a candidate kept none or the plan names
// a term the first pass did not read.
func candidateBounds(root *fnode, keys []termKey, cands candidateHeap) (his, los []float64, loOK []bool, ok bool) {
	if len(keys) == 0 {
		return nil, nil, nil, false
	}
	for _, c := range cands {
		if len(c.feats) != len(keys) {
			return nil, nil, nil, false
		}
	}
	ix := make(map[termKey]int, len(keys))
	for i, key := range keys {
		ix[key] = i
	}
	var leafs []*fnode
	var slot []int
	missing := false
	walkTerms(root, func(l *fnode) {
		i, ok := ix[termKey{l.field, string(l.term)}]
		if !ok {
			missing = true
		}
		leafs, slot = append(leafs, l), append(slot, i)
	})
	if missing {
		return nil, nil, nil, false
	}
	his, los, loOK = make([]float64, len(cands)), make([]float64, len(cands)), make([]bool, len(cands))
	for ci, c := range cands {
		for li, l := range leafs {
			f := c.feats[slot[li]]
			switch {
			case f.norm < 0:
				// Not read: at most its largest score (BM25's factor
				// tf·k1/(tf+k1·L) is below k1).
				l.absent, l.known, l.val = false, false, l.idf*search.BM25_k1*l.qw
			case f.freq == 0:
				l.absent, l.known = true, true
			default:
				l.absent, l.known, l.val = false, true, leafScore(l, f.freq, f.norm)
			}
		}
		hi, ok := hiOf(root)
		if !ok {
			// It matched the first pass, so it matches the full query
			// (the pairs are optional): never left out.
			hi = math.Inf(1)
		}
		his[ci] = hi
		los[ci], loOK[ci] = loOf(root)
	}
	for _, l := range leafs {
		l.absent, l.known, l.val = false, false, 0
	}
	return his, los, loOK, true
}

// loOf bounds n's score at the document whose terms' scores its leaves
// hold (val where known and not absent) from below, and reports whether
// the document surely matches n: evalAt's arithmetic with every phrase
// and every term not read absent. Exclusions are left out: a candidate
// matched the first pass, whose exclusions are the full query's.
func loOf(n *fnode) (float64, bool) { return boundOf(n, false) }

// hiOf bounds n's score at the document whose terms' scores its leaves
// hold (val, or absent) from above: evalAt's arithmetic in evalAt's
// order, with every phrase present where its words are and a term not
// read at its largest score (its val); false when the document cannot
// match n. Rounding is monotone, so a sum or product of terms no smaller
// is no smaller. An exclusion can only lower the bound to "no match": left
// out.
func hiOf(n *fnode) (float64, bool) { return boundOf(n, true) }

// boundOf is hiOf (hi) or loOf: the same walk, the leaves, marks and
// phrases read as each bound reads them.
func boundOf(n *fnode, hi bool) (float64, bool) {
	switch n.kind {
	case fTerm:
		if n.absent || !hi && !n.known {
			return 0, false
		}
		return n.val, true
	case fDisj:
		var sum float64
		cnt := 0
		for _, k := range n.kids {
			if s, ok := boundOf(k, hi); ok {
				sum += s
				cnt++
			}
		}
		if cnt == 0 || cnt < n.min {
			return 0, false
		}
		return sum * (float64(cnt) / float64(len(n.kids))), true
	case fConj:
		var sum float64
		for _, k := range n.kids {
			s, ok := boundOf(k, hi)
			if !ok {
				return 0, false
			}
			sum += s
		}
		return sum, true
	case fBool:
		if n.must == nil {
			return boundOf(n.should, hi)
		}
		sum, ok := boundOf(n.must, hi)
		if !ok {
			return 0, false
		}
		if n.should != nil {
			if s, ok := boundOf(n.should, hi); ok {
				sum += s
			} else if n.shouldMin > 0 {
				return 0, false
			}
		}
		return sum, true
	case fMarked:
		if n.marks.absent || !hi && !n.marks.known {
			return 0, false
		}
		return boundOf(n.words, hi)
	case fPhrase:
		if !hi {
			return 0, false // its positions were not read
		}
		return boundOf(n.words, hi)
	case fConst:
		return n.constScore(), true
	}
	return 0, false
}

// boundedRescore is what fastRescore needs to leave candidates out: the
// first pass's terms, the candidates with their postings, the page's
// theta (relevanceTop.theta) and its size k (0 for a page after a
// cursor).
type boundedRescore struct {
	keys  []termKey
	cands candidateHeap
	theta func() (float64, bool)
	k     int
}

// rescoreBoundsOff turns the bounds off: every candidate is scored with
// the full query (tests compare the two; searchprof measures them).
var rescoreBoundsOff bool

// SetRescoreBounds turns the bounded second pass on (the default) or off,
// for the whole process; benchmarks (searchprof -bounds=false) compare
// the two. Call it before searching.
func SetRescoreBounds(on bool) { rescoreBoundsOff = !on }

// RescoreLeftOut is how many candidates the bounds have left out of
// second passes since the process started (benchmarks).
func RescoreLeftOut() int64 { return rescoreLeftOut.Load() }

// rescoreInOrder is rescoreFrom over the candidates cands (ids: theirs;
// his, los and loOK: their bounds) in document order, leaving out each one
// whose upper bound is below the larger of floor, the k-th best lower
// bound (k candidates surely score at least that), and the page's theta
// at the time (relevanceTop.offer drops a hit below it): a candidate left
// out would have been dropped. It returns how many were offered and how
// many left out.
//
// When a core is idle (spareCPU) and k > 0 (no cursor), the second half of
// the candidates is scored on another goroutine with a plan of q of its
// own (c compiles it), its hits offered after the first half's; it
// leaves out what is below floor or below the k-th best score of its own
// hits (those hits all reach the page's collector, so its theta ends no
// lower).
func rescoreInOrder(c *compiler, p *fastPlan, q query.Query, segs []*scorch.SegmentSnapshot, ids []index.IndexInternalID, his, los []float64, loOK []bool, k int, theta func() (float64, bool), offer func(*search.DocumentMatch) error) (n, out int, err error) {
	if boundsHook != nil {
		boundsHook(p, segs, ids, his, los, loOK)
	}
	floor := math.Inf(-1)
	var ls []float64
	for i, ok := range loOK {
		if ok {
			ls = append(ls, los[i])
		}
	}
	if k > 0 && len(ls) >= k {
		slices.Sort(ls)
		floor = ls[len(ls)-k]
	}
	order := make([]int, len(ids))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return bytes.Compare(ids[a], ids[b]) })
	sorted := make([]index.IndexInternalID, len(ids))
	for i, c := range order {
		sorted[i] = ids[c]
	}
	// skip leaves out candidate from+i of sorted when its bound is below
	// floor or th's theta, counting it in *left.
	skip := func(from int, th func() (float64, bool), left *int) func(i int) bool {
		return func(i int) bool {
			t := floor
			if v, ok := th(); ok && v > t {
				t = v
			}
			if his[order[from+i]]*pruneMargin < t {
				*left++
				return true
			}
			return false
		}
	}
	if k > 0 && splitDocs(segs) > 0 && len(sorted) >= max(2, parallelMinCandidates) {
		if release, ok := spareCPU(); ok {
			defer release()
			kj := len(sorted) / 2
			j, base := segmentOf(segs, sorted[kj].Value())
			var hits []candidate
			own := &scoreFloor{k: k}
			var outB int
			wait := onSecondCore(c, q, func(p2 *fastPlan) error {
				_, err := rescoreFrom(p2, segs, sorted[kj:], j, base, func(d *search.DocumentMatch) error {
					hits = append(hits, candidate{score: d.Score, id: index.NewIndexInternalID(nil, d.IndexInternalID.Value())})
					own.add(d.Score)
					return nil
				}, skip(kj, own.theta, &outB))
				return err
			})
			n, err = rescoreFrom(p, segs, sorted[:kj], 0, 0, offer, skip(0, theta, &out))
			errB := wait()
			out += outB
			rescoreLeftOut.Add(int64(out))
			if err != nil {
				return n, out, err
			}
			if errB != nil {
				return n, out, errB
			}
			dm := &search.DocumentMatch{}
			for _, h := range hits {
				dm.Score, dm.IndexInternalID = h.score, h.id
				n++
				if err := offer(dm); err != nil {
					return n, out, err
				}
			}
			return n, out, nil
		}
	}
	n, err = rescoreFrom(p, segs, sorted, 0, 0, offer, skip(0, theta, &out))
	rescoreLeftOut.Add(int64(out))
	return n, out, err
}

// scoreFloor keeps the k best scores added; theta is the k-th, once k are
// kept.
type scoreFloor struct {
	k    int
	best []float64 // a min-heap
}

func (f *scoreFloor) add(s float64) {
	h := (*floatHeap)(&f.best)
	if len(f.best) < f.k {
		heap.Push(h, s)
	} else if s > f.best[0] {
		f.best[0] = s
		heap.Fix(h, 0)
	}
}

func (f *scoreFloor) theta() (float64, bool) {
	if len(f.best) < f.k || f.k == 0 {
		return 0, false
	}
	return f.best[0], true
}

type floatHeap []float64

func (h floatHeap) Len() int           { return len(h) }
func (h floatHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h floatHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *floatHeap) Push(x any)        { *h = append(*h, x.(float64)) }
func (h *floatHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// boundsHook, when set, sees every bounded second pass before it runs
// (tests: the bounds against the full query's scores).
var boundsHook func(p *fastPlan, segs []*scorch.SegmentSnapshot, ids []index.IndexInternalID, his, los []float64, loOK []bool)
