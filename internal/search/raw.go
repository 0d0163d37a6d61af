package search

import (
	"github.com/blevesearch/bleve/v2"

	"guidancehub/internal/content"
)

// BuildRaw indexes resources straight into a new Bleve index at path with
// the hub's mapping and batch size: the baseline the rebuild from
// PostgreSQL is compared with in the benchmarks.
func BuildRaw(path string, rs []*content.Resource, batch int) error {
	m, err := newMapping(DefaultRanking)
	if err != nil {
		return err
	}
	idx, err := bleve.NewUsing(path, m, bleve.Config.DefaultIndexType, bleve.Config.DefaultKVStore, nil)
	if err != nil {
		return err
	}
	for start := 0; start < len(rs); start += batch {
		b := idx.NewBatch()
		for _, r := range rs[start:min(start+batch, len(rs))] {
			if err := b.Index(docID(r.ID), document(r)); err != nil {
				idx.Close()
				return err
			}
		}
		if err := idx.Batch(b); err != nil {
			idx.Close()
			return err
		}
	}
	return idx.Close()
}
