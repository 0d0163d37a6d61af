package content

import (
	"context"
	"time"
)

// The hub's use cases. Every door onto the hub (the GraphQL API, the HTML
// pages, feeds, exports) calls these and only translates requests and
// responses: validation, visibility and side effects live behind them, in
// one implementation (package service). The model is benbjohnson/wtf, where
// the domain package declares DialService and the http package uses it.
//
// Who asks is read from the context (PrincipalFrom): anonymous callers and
// partners see published resources (withdrawn ones answer lookups with
// their withdrawal notice, content left out by the doors); editors also see
// drafts. Errors are *Error values with a code (ENOTFOUND, EINVALID with the
// field at fault, EUNAUTHORIZED, EFORBIDDEN, ECONFLICT, EUNAVAILABLE) or
// other errors that clients see only as EINTERNAL.

// ResourceService answers what readers ask: search, lists, lookups, topics
// and completions.
type ResourceService interface {
	// Search validates q (the filter, q.First in 0..MaxPageSize, the
	// order), asks the index for a page of ids, loads those resources from
	// PostgreSQL and keeps only the published ones, in the index's order. A
	// search that found nothing is recorded (its normalised words, never
	// who asked). EUNAVAILABLE while the index is being built; EINVALID
	// for a bad query, filter or cursor.
	Search(ctx context.Context, q SearchQuery) (*SearchResult, error)
	// Completions returns up to first (0..MaxCompletions) published titles
	// with a word starting with the prefix's last word, best first.
	Completions(ctx context.Context, prefix string, first int) ([]Completion, error)
	// List returns one page of resources: published ones, or for editors
	// the statuses q.Filter.Statuses asks for. q.First must be in
	// 0..MaxPageSize (PageSize applies the default); q.After comes from
	// DecodeCursor. Asking for statuses or overdue reviews without the
	// editor role is EUNAUTHORIZED or EFORBIDDEN. q.NoCount leaves
	// TotalCount 0 without counting; q.Omit leaves parts out of each resource.
	List(ctx context.Context, q ListQuery) (*ListPage, error)
	// Resource returns the resource with the slug: published or withdrawn
	// (its Withdrawal set), or for editors any status. ENOTFOUND if none.
	Resource(ctx context.Context, slug string) (*Resource, error)
	// ResourceOmitting is Resource leaving out the parts omit names for
	// the public (an editor's view is always whole).
	ResourceOmitting(ctx context.Context, slug string, omit Part) (*Resource, error)
	// ResourceByID is Resource by database id (the number in a global id).
	ResourceByID(ctx context.Context, id int64) (*Resource, error)
	// ResourcesBySlug returns the published or withdrawn resources with the
	// slugs, in no order; unknown slugs and drafts are left out. For
	// batching the related resources and originals of a page.
	ResourcesBySlug(ctx context.Context, slugs []string) ([]*Resource, error)
	// TranslationsOf returns, for each slug, its published translations
	// ordered by language then id.
	TranslationsOf(ctx context.Context, slugs []string) (map[string][]*Resource, error)
	// Topics returns every topic of the controlled list, in its order, with
	// the number of published resources that carry it.
	Topics(ctx context.Context) ([]TopicCount, error)
	// TopicCounts returns the number of published resources per topic slug.
	TopicCounts(ctx context.Context) (map[string]int, error)
}

// EditorialService is what editors do: every method needs the editor role
// (token management and the audit log: admin) and is recorded in the audit
// log with who did it. Resources managed by a file answer ECONFLICT naming
// the file; an edit against a stale revision is ECONFLICT.
type EditorialService interface {
	// CreateResource creates a draft (revision 1) from d; slug, title and
	// summary are trimmed. EINVALID names the field at fault.
	CreateResource(ctx context.Context, d Draft) (*Resource, error)
	// UpdateResource applies e to the latest revision, which must be seen,
	// as a new draft revision; the published revision stays live.
	UpdateResource(ctx context.Context, id int64, seen int, e ResourceEdit) (*Resource, error)
	// PublishResource publishes the latest revision now, or at the time
	// given (scheduled).
	PublishResource(ctx context.Context, id int64, at *time.Time) (*Resource, error)
	// WithdrawResource withdraws a resource with a reason (trimmed, required).
	WithdrawResource(ctx context.Context, id int64, reason string) (*Resource, error)
	// CancelScheduledPublication cancels the publication scheduled by
	// PublishResource with a time; ECONFLICT when none is scheduled.
	CancelScheduledPublication(ctx context.Context, id int64) (*Resource, error)
	// Scheduled returns the resource's scheduled publication, or nil.
	Scheduled(ctx context.Context, id int64) (*ScheduledPublication, error)
	// RestoreRevision makes an older revision's content the new latest draft.
	RestoreRevision(ctx context.Context, id int64, rev int) (*Resource, error)
	// MarkReviewed records a review: last reviewed and next review due dates.
	MarkReviewed(ctx context.Context, id int64, last, next time.Time) (*Resource, error)
	// PendingDraft returns the resource's latest revision when it is newer
	// than the published one, or nil.
	PendingDraft(ctx context.Context, id int64) (*Resource, error)
	// Revisions lists a page of a resource's revisions, newest first: up
	// to first (0..MaxRevisionsPage, as every first of the API), those numbered below before when it
	// is given (nil: from the latest). EINVALID names first or before.
	Revisions(ctx context.Context, id int64, first int, before *int) ([]RevisionInfo, error)
	// Revision returns one revision's content; EINVALID (field "revision")
	// if there is none.
	Revision(ctx context.Context, id int64, rev int) (*Draft, error)
	// AuditLog returns up to first (0..500) entries newest first, before
	// the entry id before (0: from the newest). Admin only.
	AuditLog(ctx context.Context, first int, before int64) ([]AuditEntry, error)
	// CreateToken creates an API token and returns its secret (shown once)
	// with its listing. Admin only.
	CreateToken(ctx context.Context, name string, role Role, expires *time.Time) (string, *Token, error)
	// ListTokens lists every token, never a secret. Admin only.
	ListTokens(ctx context.Context) ([]Token, error)
	// RevokeToken revokes the token with the prefix. Admin only.
	RevokeToken(ctx context.Context, prefix string) (*Token, error)
}

// Revision pages (breaker5 F24: a resource edited 325 times listed every
// revision in one answer).
const (
	DefaultRevisionsPage = 50
	MaxRevisionsPage     = 100
)

// MaxCompletions is the most completions one request may ask for.
const MaxCompletions = 20

// SearchResult is a page of search results loaded from the store.
type SearchResult struct {
	// Hits are the published resources of the page, best first (or newest
	// first); a hit the index still had but PostgreSQL no longer publishes
	// is left out, so a page may be shorter than asked.
	Hits []Hit
	// Total counts every match in the index (all pages).
	Total       int
	HasNext     bool
	HasPrevious bool
	// Facets count matches per value (zero value when q.NoFacets).
	Facets Facets
	// Suggestion is the query with misspelt words corrected, or nil.
	Suggestion *string
	// OmittedWords are the query's words the best result lacks: empty
	// when it has them all (see SearchPage.OmittedWords).
	OmittedWords []string
}

// Hit is one search result: a resource with its score, its opaque cursor
// (for SearchQuery.After) and the fragments that matched.
type Hit struct {
	Resource   *Resource
	Score      float64
	Cursor     string
	Highlights []Highlight // never nil; empty when q.NoHighlights
}

// TopicCount is a topic with the number of published resources carrying it.
type TopicCount struct {
	Topic
	Count int
}
