package search

import "sync/atomic"

// position is the change-log position an index has applied, for HTTP
// caching and cached list counts: the watermark of the last batch (the
// same on every replica that has applied the same changes) and a
// generation (this replica only) that grows with every batch that applies
// a change and with every rebuild swapped in. A batch that only moves the
// watermark (no public change in between: a draft saved, another table
// written) leaves the generation alone, since nothing the public sees
// changed.
type position struct {
	watermark  atomic.Uint64
	generation atomic.Uint64
}

// applying is called before a batch of changes becomes visible to
// searches, and moved after: an answer computed from PostgreSQL at the
// generation in between already includes the batch, and one computed
// from the index in between is recomputed at the next generation. So once
// a search can see a change, no answer from before it is current.
func (p *position) applying() { p.generation.Add(1) }

func (p *position) moved(watermark uint64, changed bool) {
	p.watermark.Store(watermark)
	if changed {
		p.generation.Add(1)
	}
}

// Position returns the change-log watermark the index last applied and
// the generation: a number that grows whenever this process's index
// applies a change or swaps in a rebuild. Anything the public can see
// changes only through the change log, so a response computed at an
// unchanged generation is still current, up to the replica's index lag
// (which /readyz and hub_search_index_lag_seconds report).
func (ix *Index) Position() (watermark, generation uint64) {
	return ix.pos.watermark.Load(), ix.pos.generation.Load()
}
