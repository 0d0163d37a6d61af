package content

import (
	"context"
	"time"
)

// Store is where resources live: PostgreSQL, the source of truth.
type Store interface {
	// ResourceBySlug returns the resource with the slug as the public may see
	// it (published or withdrawn; drafts are ENOTFOUND).
	ResourceBySlug(ctx context.Context, slug string) (*Resource, error)
	// ResourcesByID returns the public resources (published or withdrawn)
	// with the ids, in no order, leaving out the parts omit names; missing
	// and draft ids are left out.
	ResourcesByID(ctx context.Context, ids []int64, omit Part) ([]*Resource, error)
	// ResourcesBySlug is ResourcesByID by slug, omitting nothing.
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
	Action string // "created", "updated", "unchanged", "moved", "restored", "withdrawn", or "" when Err is set
	Err    error  // a problem with this file alone; the others still import
}

// ImportOptions control an import.
type ImportOptions struct {
	// Prune withdraws file-origin resources recorded under PruneDir whose
	// files are not among the imported files.
	Prune    bool
	PruneDir string
	// Present lists every file found under PruneDir, including those that
	// failed to parse: their resources are kept, not pruned.
	Present []string
	// OriginExists reports whether a recorded origin file still exists: a
	// slug owned by a file that is gone may be taken over by another file.
	OriginExists func(path string) bool
}

// Importer writes parsed resource files to the store.
type Importer interface {
	// ImportFiles upserts files by slug in one transaction, serialised with
	// other imports by an advisory lock. Unchanged files do nothing.
	ImportFiles(ctx context.Context, files []FileImport, opts ImportOptions) ([]ImportResult, error)
}

// Editor is the store as editors and admins use it.
type Editor interface {
	EditorResourceByID(ctx context.Context, id int64) (*Resource, error)
	EditorResourceBySlug(ctx context.Context, slug string) (*Resource, error)
	PendingDraft(ctx context.Context, id int64) (*Resource, error)
	Revisions(ctx context.Context, id int64) ([]RevisionInfo, error)
	Revision(ctx context.Context, id int64, rev int) (*Draft, error)
	CreateResource(ctx context.Context, p *Principal, d Draft) (*Resource, error)
	UpdateResource(ctx context.Context, p *Principal, id int64, seen int, e ResourceEdit) (*Resource, error)
	PublishResource(ctx context.Context, p *Principal, id int64, at *time.Time) (*Resource, error)
	WithdrawResource(ctx context.Context, p *Principal, id int64, reason string) (*Resource, error)
	RestoreRevision(ctx context.Context, p *Principal, id int64, rev int) (*Resource, error)
	MarkReviewed(ctx context.Context, p *Principal, id int64, last, next time.Time) (*Resource, error)
	AuditLog(ctx context.Context, first int, before int64) ([]AuditEntry, error)
	CreateToken(ctx context.Context, name string, role Role, expires *time.Time) (string, *Token, error)
	ListTokens(ctx context.Context) ([]Token, error)
	RevokeToken(ctx context.Context, prefix string) (*Token, error)
}

// Part is a bit set naming the costly parts of a resource; a caller that
// will not show one leaves it unloaded (the Resource field stays empty).
// The zero value omits nothing.
type Part uint8

// The parts a caller may leave out.
const (
	PartBody    Part = 1 << iota // Body: the Markdown text, the largest column
	PartSources                  // Sources: the cited documents (JSON)
	PartDetails                  // Details: the kind's own fields (JSON)
)

// Has reports whether p includes every part of q.
func (p Part) Has(q Part) bool { return p&q == q }
