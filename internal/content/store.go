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
	// ResourceBySlugOmitting is ResourceBySlug leaving out the parts omit
	// names (their fields stay empty).
	ResourceBySlugOmitting(ctx context.Context, slug string, omit Part) (*Resource, error)
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
	ID     int64 // the resource's id; 0 when Err is set
	Slug   string
	Path   string
	Action string // "created", "updated", "unchanged", "moved", "restored", "withdrawn", "staged" (written, not yet committed), or "" when Err is set
	Err    error  // a problem with this file alone; the others still import
	// Note says why, where the action alone does not: "file now defines
	// b5-slug-b" for a resource withdrawn because its file names another
	// slug.
	Note string
}

// Defined is a file an import took (imported, or unchanged) and the slug
// it names now.
type Defined struct{ Path, Slug string }

// ImportOptions control an import.
type ImportOptions struct {
	// Prune withdraws file-origin resources recorded under PruneDir whose
	// files are not among the imported files.
	Prune    bool
	PruneDir string
	// Present lists every file found under PruneDir, including those that
	// failed to parse: their resources are kept, not pruned.
	Present []string
	// OriginOwns reports whether a recorded origin file still defines
	// slug: it exists and, if the import read it, names that slug. A slug
	// whose file is gone or names another slug may be taken over by
	// another file. Nil: every recorded origin owns its slug.
	OriginOwns func(path, slug string) bool
	// ForcePrune lets a prune withdraw all of the resources recorded under
	// PruneDir (an empty directory), or more than half of them when that
	// is ten or more; without it such a prune is skipped and reported as
	// an error (an unmounted volume or a wrong path must not withdraw the
	// library).
	ForcePrune bool
}

// StoredFile is what the store holds under a slug that an import names.
type StoredFile struct {
	ID     int64
	Slug   string
	Origin string // the managing file; "" for a resource made through the API
	Hash   string // content hash of the file at its last committed import ("" if none)
	Status Status
	// Language of the published revision ("" when none is published).
	Language string
	// TranslationOf is the slug the published revision translates ("" when
	// none is published or it is not a translation).
	TranslationOf string
	// Translations are the published resources whose live revision
	// translates this slug, with their own origin ("" for the API's).
	Translations []StoredTranslation
	// StagedPath and StagedHash name the file a batch wrote whose import
	// has not committed yet (an interrupted import); "" when none.
	StagedPath, StagedHash string
}

// StoredTranslation is a published translation in the store: its slug,
// language and managing file ("" when made through the API).
type StoredTranslation struct {
	Slug, Language, Origin string
}

// Importer writes parsed resource files to the store.
type Importer interface {
	// ImportFiles imports files in one session (BeginImport, Stage, Commit):
	// for libraries small enough to hold in memory, and tests.
	ImportFiles(ctx context.Context, files []FileImport, opts ImportOptions) ([]ImportResult, error)
	// BeginImport starts an import in batches, serialised with every other
	// import (a second one waits until the first ends).
	BeginImport(ctx context.Context, opts ImportOptions) (ImportSession, error)
}

// ImportSession is one import in batches. Stage writes a batch of files in
// its own transaction, invisible to the public; Commit makes every staged
// file public in one transaction, records the change-log rows and prunes.
// A session that ends without Commit (an error, a killed process) leaves
// its staged files invisible, and the next import of the same files
// resumes from them instead of writing them again.
type ImportSession interface {
	// Lookup returns what the store holds for the slugs (missing slugs are
	// left out), staged files included.
	Lookup(ctx context.Context, slugs []string) ([]StoredFile, error)
	// Stage writes a batch: each result is "staged" (with the resource id
	// to pass to Commit), "unchanged", or an Err for that file alone
	// (ECONFLICT: the slug belongs to the API or to another file). Batches
	// that share no slug may be staged concurrently.
	Stage(ctx context.Context, files []FileImport) ([]ImportResult, error)
	// Commit publishes the staged resources with the ids in keep, in one
	// transaction, calling each for every resource it changed (prune's
	// withdrawals included), in no particular order. Staged files under
	// PruneDir not in keep (left by an interrupted import, their files
	// since changed or gone) are discarded. A resource whose recorded file
	// is among defined but names another slug there (a renamed slug, a
	// merged file) is withdrawn, prune or not. A withdrawal that would
	// leave a published resource linking to it (translation_of, related,
	// a body link) is not made: each sees it with an Err (ECONFLICT)
	// naming the resources that link to it.
	Commit(ctx context.Context, keep []int64, defined []Defined, each func(ImportResult)) error
	// Close ends the session (and releases the import lock).
	Close()
}

// Editor is the store as editors and admins use it (PostgreSQL). Callers
// check roles (EditorialService does); the store records who acted (p) in
// the audit log. Errors: ENOTFOUND for an unknown id, ECONFLICT for a
// resource managed by a file (naming the file), a stale revision or a
// taken slug, EINVALID naming the field.
type Editor interface {
	// EditorResourceByID returns any resource by id, drafts included: its
	// published revision, or its latest when it was never published.
	EditorResourceByID(ctx context.Context, id int64) (*Resource, error)
	// EditorResourceBySlug is EditorResourceByID by slug.
	EditorResourceBySlug(ctx context.Context, slug string) (*Resource, error)
	// PendingDraft returns the latest revision when it is newer than the
	// published one (status DRAFT), or nil.
	PendingDraft(ctx context.Context, id int64) (*Resource, error)
	// Revisions lists up to first of a resource's revisions, newest
	// first, those numbered below before when it is above 0.
	Revisions(ctx context.Context, id int64, first, before int) ([]RevisionInfo, error)
	// Revision returns one revision's content; EINVALID (field "revision")
	// when there is none.
	Revision(ctx context.Context, id int64, rev int) (*Draft, error)
	// Scheduled returns the resource's scheduled publication, or nil.
	Scheduled(ctx context.Context, id int64) (*ScheduledPublication, error)
	// CreateResource stores d as revision 1 of a new draft.
	CreateResource(ctx context.Context, p *Principal, d Draft) (*Resource, error)
	// UpdateResource applies e to the latest revision, which must be seen,
	// as a new draft revision; the published revision stays live.
	UpdateResource(ctx context.Context, p *Principal, id int64, seen int, e ResourceEdit) (*Resource, error)
	// PublishResource publishes the latest revision now (at nil) or
	// schedules it for at.
	PublishResource(ctx context.Context, p *Principal, id int64, at *time.Time) (*Resource, error)
	// WithdrawResource withdraws a resource; reason is required.
	WithdrawResource(ctx context.Context, p *Principal, id int64, reason string) (*Resource, error)
	// CancelScheduledPublication cancels the resource's scheduled
	// publication; ECONFLICT when none is scheduled.
	CancelScheduledPublication(ctx context.Context, p *Principal, id int64) (*Resource, error)
	// RestoreRevision copies revision rev as the new latest draft.
	RestoreRevision(ctx context.Context, p *Principal, id int64, rev int) (*Resource, error)
	// MarkReviewed sets the last-reviewed and next-review dates (next
	// after last).
	MarkReviewed(ctx context.Context, p *Principal, id int64, last, next time.Time) (*Resource, error)
	// AuditLog returns up to first entries newest first, with ids below
	// before (0: from the newest).
	AuditLog(ctx context.Context, first int, before int64) ([]AuditEntry, error)
	// CreateToken creates a token for name with the role, valid until
	// expires (nil: never), and returns its secret (shown once).
	CreateToken(ctx context.Context, name string, role Role, expires *time.Time) (string, *Token, error)
	// ListTokens lists every token, never a secret.
	ListTokens(ctx context.Context) ([]Token, error)
	// RevokeToken revokes the token whose prefix is given; ENOTFOUND if none.
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
	// PartMeta: what a card of title, summary and topics does not show:
	// Audiences, Nations, Related, TranslationOf, TranslationStatus,
	// LastReviewedAt, NextReviewDue, Withdrawal, Origin, CreatedAt and
	// UpdatedAt. Without it a published page's rows can come from the
	// listing index alone on the resources side.
	PartMeta
)

// Has reports whether p includes every part of q.
func (p Part) Has(q Part) bool { return p&q == q }
