package graph

import (
	"context"
	"sync"
	"time"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vikstrous/dataloadgen"

	"guidancehub/internal/content"
)

// loaders batch the lookups that fields of many resources make, so a page
// of resources costs a bounded number of queries. One set per operation.
// The loaders are made on first use: most operations (a list of cards, a
// lookup) never need one.
type loaders struct {
	slugsOnce, translationsOnce sync.Once
	slugLoader                  *dataloadgen.Loader[string, *content.Resource]
	translationLoader           *dataloadgen.Loader[string, []*content.Resource]

	countsOnce sync.Once
	counts     map[string]int
	countsErr  error
	store      content.ResourceService
}

type loadersKey struct{}

const loaderWait = 2 * time.Millisecond

func newLoaders(store content.ResourceService) *loaders { return &loaders{store: store} }

// bySlug loads published or withdrawn resources by slug (nil: absent).
func (l *loaders) bySlug() *dataloadgen.Loader[string, *content.Resource] {
	l.slugsOnce.Do(func() {
		store := l.store
		l.slugLoader = dataloadgen.NewLoader(func(ctx context.Context, slugs []string) ([]*content.Resource, []error) {
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
	})
	return l.slugLoader
}

// translations loads the published translations of resources by slug.
func (l *loaders) translations() *dataloadgen.Loader[string, []*content.Resource] {
	l.translationsOnce.Do(func() {
		store := l.store
		l.translationLoader = dataloadgen.NewLoader(func(ctx context.Context, slugs []string) ([][]*content.Resource, []error) {
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
	})
	return l.translationLoader
}

func withLoaders(ctx context.Context, store content.ResourceService) context.Context {
	return context.WithValue(ctx, loadersKey{}, newLoaders(store))
}

// loadersFor returns the operation's loaders (or a fresh set outside one).
func loadersFor(ctx context.Context, store content.ResourceService) *loaders {
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

// prefetch loads, in one query each, what the selected fields of a page of
// resources will ask for (related resources and originals by slug,
// translations), and primes the loaders with it. Batching by wait time alone
// splits under load; a page knows its keys up front, so it need not wait.
func (l *loaders) prefetch(ctx context.Context, page []*content.Resource, sel ast.SelectionSet) error {
	wantSlugs := selects(sel, "related") || selects(sel, "translationOf")
	wantTranslations := selects(sel, "translations")
	if wantSlugs {
		var slugs []string
		seen := map[string]bool{}
		for _, r := range page {
			for _, s := range append(append([]string(nil), r.Related...), r.TranslationOf) {
				if s != "" && !seen[s] {
					seen[s] = true
					slugs = append(slugs, s)
				}
			}
		}
		if len(slugs) > 0 {
			rs, err := l.store.ResourcesBySlug(ctx, slugs)
			if err != nil {
				return err
			}
			found := map[string]*content.Resource{}
			for _, r := range rs {
				found[r.Slug] = r
			}
			for _, s := range slugs {
				l.bySlug().Prime(s, found[s]) // nil primes "absent"
			}
		}
	}
	if wantTranslations && len(page) > 0 {
		slugs := make([]string, len(page))
		for i, r := range page {
			slugs[i] = r.Slug
		}
		m, err := l.store.TranslationsOf(ctx, slugs)
		if err != nil {
			return err
		}
		for _, s := range slugs {
			l.translations().Prime(s, m[s])
		}
	}
	return nil
}

// selects reports whether a field with the name is selected anywhere in set.
func selects(set ast.SelectionSet, name string) bool {
	for _, s := range set {
		switch x := s.(type) {
		case *ast.Field:
			if x.Name == name || selects(x.SelectionSet, name) {
				return true
			}
		case *ast.InlineFragment:
			if selects(x.SelectionSet, name) {
				return true
			}
		case *ast.FragmentSpread:
			if x.Definition != nil && selects(x.Definition.SelectionSet, name) {
				return true
			}
		}
	}
	return false
}
