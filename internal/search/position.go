package search

import "sync/atomic"

// position is the change-log position an index has applied, for HTTP
// caching: the watermark of the last batch (the same on every replica that
// has applied the same changes) and a generation that grows with every
// batch applied or rebuild swapped in (this replica only), so that a change
// re-read below an unmoved watermark still counts as a move.
type position struct {
	watermark  atomic.Uint64
	generation atomic.Uint64
}

func (p *position) moved(watermark uint64) {
	p.watermark.Store(watermark)
	p.generation.Add(1)
}

// Position returns the change-log watermark the index last applied and
// the number of batches and rebuilds applied since this process opened it.
// Anything the public can see changes only through the change log, so a
// response computed at an unchanged generation is still current, up to the
// replica's index lag (which /readyz and hub_search_lag_seconds report).
func (ix *Index) Position() (watermark, generation uint64) {
	return ix.pos.watermark.Load(), ix.pos.generation.Load()
}
