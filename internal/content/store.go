package content

import (
	"context"
)

// Store is where resources live: PostgreSQL, the source of truth.
type Store interface {
	// ResourceBySlug returns the resource with the slug as the public may see
	// it (published or withdrawn; drafts are ENOTFOUND).
	ResourceBySlug(ctx context.Context, slug string) (*Resource, error)
	// ResourcesByID returns the public resources with the ids, in no order;
	// missing and draft ids are left out.
	ResourcesByID(ctx context.Context, ids []int64) ([]*Resource, error)
	// ResourcesBySlug is ResourcesByID by slug.
	ResourcesBySlug(ctx context.Context, slugs []string) ([]*Resource, error)
	// TranslationsOf returns, for each slug, the published resources that
	// are translations of it.
	TranslationsOf(ctx context.Context, slugs []string) (map[string][]*Resource, error)
	// ListResources returns a page of published resources.
	ListResources(ctx context.Context, q ListQuery) (*ListPage, error)
	// TopicCounts returns the number of published resources per topic slug.
	TopicCounts(ctx context.Context) (map[string]int, error)
}

// FileImport is one parsed file to import.
type FileImport struct {
	Path   string // the file's path, as recorded for its origin
	Hash   string // hash of the file's bytes
	Status Status // StatusPublished or StatusDraft
	Draft  Draft
}

// ImportResult says what an import did to one resource.
type ImportResult struct {
	Slug   string
	Path   string
	Action string // "created", "updated", "unchanged", "withdrawn", "restored"
}

// Importer writes parsed resource files to the store.
type Importer interface {
	// ImportFiles upserts files by slug in one transaction under an
	// advisory lock; with prune, file-origin resources recorded under
	// pruneDir whose files are not among files are withdrawn.
	ImportFiles(ctx context.Context, files []FileImport, prune bool, pruneDir string) ([]ImportResult, error)
}
