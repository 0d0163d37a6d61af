package graph

import (
	"context"
	"sync"
	"time"

	"github.com/vikstrous/dataloadgen"

	"guidancehub/internal/content"
)

// loaders batch the lookups that fields of many resources make, so a page
// of resources costs a bounded number of queries. One set per operation.
type loaders struct {
	bySlug       *dataloadgen.Loader[string, *content.Resource]
	translations *dataloadgen.Loader[string, []*content.Resource]

	countsOnce sync.Once
	counts     map[string]int
	countsErr  error
	store      content.Store
}

type loadersKey struct{}

const loaderWait = 2 * time.Millisecond

func newLoaders(store content.Store) *loaders {
	l := &loaders{store: store}
	l.bySlug = dataloadgen.NewLoader(func(ctx context.Context, slugs []string) ([]*content.Resource, []error) {
		rs, err := store.ResourcesBySlug(ctx, slugs)
		if err != nil {
			return nil, []error{err}
		}
		m := make(map[string]*content.Resource, len(rs))
		for _, r := range rs {
			m[r.Slug] = r
		}
		out := make([]*content.Resource, len(slugs))
		for i, s := range slugs {
			out[i] = m[s] // nil when absent: not an error
		}
		return out, nil
	}, dataloadgen.WithWait(loaderWait), dataloadgen.WithBatchCapacity(1000))
	l.translations = dataloadgen.NewLoader(func(ctx context.Context, slugs []string) ([][]*content.Resource, []error) {
		m, err := store.TranslationsOf(ctx, slugs)
		if err != nil {
			return nil, []error{err}
		}
		out := make([][]*content.Resource, len(slugs))
		for i, s := range slugs {
			out[i] = m[s]
		}
		return out, nil
	}, dataloadgen.WithWait(loaderWait), dataloadgen.WithBatchCapacity(1000))
	return l
}

func withLoaders(ctx context.Context, store content.Store) context.Context {
	return context.WithValue(ctx, loadersKey{}, newLoaders(store))
}

// loadersFor returns the operation's loaders (or a fresh set outside one).
func loadersFor(ctx context.Context, store content.Store) *loaders {
	if l, ok := ctx.Value(loadersKey{}).(*loaders); ok {
		return l
	}
	return newLoaders(store)
}

// topicCounts loads the per-topic counts once per operation.
func (l *loaders) topicCounts(ctx context.Context) (map[string]int, error) {
	l.countsOnce.Do(func() { l.counts, l.countsErr = l.store.TopicCounts(ctx) })
	return l.counts, l.countsErr
}
