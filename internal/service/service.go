// Package service implements the hub's use cases (content.ResourceService
// and content.EditorialService) over the store and the search index. It is
// transport-neutral: it takes and returns domain types, validates input on
// them, applies visibility and records side effects (zero-result searches),
// so that every door (GraphQL, HTML pages, feeds) only translates.
package service

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	"guidancehub/internal/content"
)

// Options are a Service's dependencies.
type Options struct {
	// Store holds the resources (PostgreSQL); required.
	Store content.Store
	// Editor is the store as editors use it; nil makes every editorial
	// call and editor view unavailable.
	Editor content.Editor
	// Index answers searches and completions; nil makes them EUNAVAILABLE.
	Index content.Searcher
	// ZeroResults records a search that found nothing by its normalised
	// term (ZeroResultTerm; "" means do not record); both nil: not recorded.
	ZeroResults    func(ctx context.Context, term string) error
	ZeroResultTerm func(text string) string
	// Log receives failures that no caller sees (recording zero results).
	Log *slog.Logger
	// Position returns the change-log position this replica has applied
	// (the search index's). Set, a public list's totalCount is cached per
	// filter for as long as the position does not move (see counts); nil:
	// every list that asks for totalCount counts in PostgreSQL.
	Position func() Position
	// CountEntries bounds the cached counts (default DefaultCountEntries).
	CountEntries int
	// SettledPosition maps the replica's watermark to the canonical one
	// countedAt states (postgres.DB.SettledPosition): it moves only with a
	// public change and is the same on every replica. nil: countedAt is
	// the watermark itself.
	SettledPosition func(ctx context.Context, watermark uint64) (uint64, error)
}

// Service is the hub's use cases. It is safe for concurrent use and holds
// no request state.
type Service struct {
	o      Options
	counts *counts

	// settled caches SettledPosition for one generation: while the
	// generation stands, no public change was applied, so the answer
	// stands too (the watermark may move meanwhile).
	settledMu sync.Mutex
	settled   struct {
		ok                bool
		generation, value uint64
	}
}

var (
	_ content.ResourceService  = (*Service)(nil)
	_ content.EditorialService = (*Service)(nil)
)

// New returns a Service over the dependencies.
func New(o Options) *Service {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	s := &Service{o: o}
	if o.Position != nil {
		s.counts = newCounts(o.CountEntries)
	}
	return s
}

// editor reports whether the request's principal sees drafts, and the
// store for it.
func (s *Service) editor(ctx context.Context) bool {
	return s.o.Editor != nil && content.PrincipalFrom(ctx).Can(content.RoleEditor)
}

// Search runs a search; see content.ResourceService.
func (s *Service) Search(ctx context.Context, q content.SearchQuery) (*content.SearchResult, error) {
	if s.o.Index == nil {
		return nil, content.Errorf(content.EUNAVAILABLE, "search is not available")
	}
	if err := q.Validate(); err != nil {
		return nil, err
	}
	page, err := s.o.Index.Search(ctx, q)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(page.Hits))
	for i, h := range page.Hits {
		ids[i] = h.ID
	}
	// The index read the hits' resources to highlight them (one query of
	// the store, in this request): when they hold the parts the caller
	// asked for, they are not read again. Only the body may be more than
	// asked, and is dropped, so the hits are what the store would load.
	rs := page.Resources
	if rs != nil && q.Omit&^content.PartBody == page.ResourcesOmit {
		if q.Omit.Has(content.PartBody) {
			for _, r := range rs {
				r.Body = ""
			}
		}
	} else if rs, err = s.o.Store.ResourcesByID(ctx, ids, q.Omit); err != nil {
		return nil, err
	}
	byID := make(map[int64]*content.Resource, len(rs))
	for _, r := range rs {
		if r.Visible() {
			byID[r.ID] = r
		}
	}
	out := &content.SearchResult{
		Hits:         make([]content.Hit, 0, len(page.Hits)),
		Total:        page.Total,
		HasNext:      page.HasNext,
		HasPrevious:  page.HasPrevious,
		Facets:       page.Facets,
		Suggestion:   page.Suggestion,
		OmittedWords: page.OmittedWords,
	}
	if out.OmittedWords == nil {
		out.OmittedWords = []string{}
	}
	for _, h := range page.Hits {
		r, ok := byID[h.ID]
		if !ok {
			continue // withdrawn or unpublished since the index saw it
		}
		hl := h.Highlights
		if hl == nil {
			hl = []content.Highlight{}
		}
		out.Hits = append(out.Hits, content.Hit{Resource: r, Score: h.Score, Cursor: h.Cursor, Highlights: hl})
	}
	// Nothing found, or only resources lacking some of the words: editors
	// see what the library does not answer. Counted once per search a
	// person runs: its first page only, not each page after it (breaker3
	// F23: paging through one search counted it a dozen times).
	if (page.Total == 0 || len(page.OmittedWords) > 0) && q.After == "" && q.Skip == 0 && !q.NoRecord {
		s.recordZeroResult(q.Text)
	}
	return out, nil
}

// recordZeroResult records a search that found nothing, without the
// request's context (a cancelled request still counts) and never with who
// asked.
func (s *Service) recordZeroResult(text string) {
	if s.o.ZeroResults == nil || s.o.ZeroResultTerm == nil {
		return
	}
	term := s.o.ZeroResultTerm(text)
	if term == "" {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := s.o.ZeroResults(ctx, term); err != nil {
			s.o.Log.Warn("record zero-result search", "err", err)
		}
	}()
}

// Completions returns titles for search-as-you-type; see
// content.ResourceService.
func (s *Service) Completions(ctx context.Context, prefix string, first int) ([]content.Completion, error) {
	if s.o.Index == nil {
		return nil, content.Errorf(content.EUNAVAILABLE, "search is not available")
	}
	if first < 0 || first > content.MaxCompletions {
		return nil, content.FieldErrorf("first", "must be between 0 and %d", content.MaxCompletions)
	}
	cs, err := s.o.Index.Complete(ctx, prefix, first)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	rs, err := s.o.Store.ResourcesByID(ctx, ids, content.PartBody|content.PartSources|content.PartDetails)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]*content.Resource, len(rs))
	for _, r := range rs {
		if r.Visible() {
			byID[r.ID] = r
		}
	}
	out := make([]content.Completion, 0, len(cs))
	for _, c := range cs {
		if r, ok := byID[c.ID]; ok {
			out = append(out, content.Completion{ID: r.ID, Title: r.Title, Slug: r.Slug, Kind: r.Kind})
		}
	}
	return out, nil
}

// List returns a page of resources; see content.ResourceService.
func (s *Service) List(ctx context.Context, q content.ListQuery) (*content.ListPage, error) {
	if err := q.Filter.Validate(); err != nil {
		return nil, err
	}
	if q.First < 0 || q.First > content.MaxPageSize {
		return nil, content.FieldErrorf("first", "must be between 0 and %d", content.MaxPageSize)
	}
	if !q.Order.Valid() {
		return nil, content.FieldErrorf("orderBy", "unknown order")
	}
	if q.After != nil && q.After.Order != q.Order {
		return nil, content.FieldErrorf("after", "this cursor belongs to another order")
	}
	if len(q.Filter.Statuses) > 0 || q.Filter.ReviewOverdue {
		if err := content.Require(ctx, content.RoleEditor); err != nil {
			return nil, err
		}
	}
	q.Editor = s.editor(ctx)
	if s.counts == nil || !cacheableCount(q) {
		return s.o.Store.ListResources(ctx, q)
	}
	pos := s.o.Position()
	if !pos.Current {
		return s.o.Store.ListResources(ctx, q)
	}
	key := countKey(q.Filter)
	if total, ok := s.counts.get(key, pos.Generation); ok {
		q.NoCount = true
		page, err := s.o.Store.ListResources(ctx, q)
		if err != nil {
			return nil, err
		}
		page.TotalCount = total
		page.CountedAt = s.countedAt(ctx, pos)
		return page, nil
	}
	// The position was read before the count runs: the count's snapshot
	// includes every change applied at this generation.
	page, err := s.o.Store.ListResources(ctx, q)
	if err != nil {
		return nil, err
	}
	s.counts.put(key, pos.Generation, page.TotalCount)
	page.CountedAt = s.countedAt(ctx, pos)
	return page, nil
}

// countedAt is the position a count is stated at: the settled position of
// pos (0, not stated, when it cannot be read).
func (s *Service) countedAt(ctx context.Context, pos Position) uint64 {
	if s.o.SettledPosition == nil {
		return pos.Watermark
	}
	s.settledMu.Lock()
	defer s.settledMu.Unlock()
	if s.settled.ok && s.settled.generation == pos.Generation {
		return s.settled.value
	}
	v, err := s.o.SettledPosition(ctx, pos.Watermark)
	if err != nil {
		s.o.Log.Warn("countedAt: settled position", "err", err)
		return 0
	}
	s.settled.ok, s.settled.generation, s.settled.value = true, pos.Generation, v
	return v
}

// Resource looks a resource up by slug; see content.ResourceService.
func (s *Service) Resource(ctx context.Context, slug string) (*content.Resource, error) {
	return s.ResourceOmitting(ctx, slug, 0)
}

// ResourceOmitting looks a resource up by slug without the parts omit
// names; see content.ResourceService.
func (s *Service) ResourceOmitting(ctx context.Context, slug string, omit content.Part) (*content.Resource, error) {
	if s.editor(ctx) {
		return s.o.Editor.EditorResourceBySlug(ctx, slug)
	}
	return s.o.Store.ResourceBySlugOmitting(ctx, slug, omit)
}

// ResourceByID looks a resource up by id; see content.ResourceService.
func (s *Service) ResourceByID(ctx context.Context, id int64) (*content.Resource, error) {
	if s.editor(ctx) {
		return s.o.Editor.EditorResourceByID(ctx, id)
	}
	rs, err := s.o.Store.ResourcesByID(ctx, []int64{id}, 0)
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, content.Errorf(content.ENOTFOUND, "no resource with that id")
	}
	return rs[0], nil
}

// ResourcesBySlug loads resources in a batch; see content.ResourceService.
func (s *Service) ResourcesBySlug(ctx context.Context, slugs []string) ([]*content.Resource, error) {
	return s.o.Store.ResourcesBySlug(ctx, slugs)
}

// TranslationsOf loads translations in a batch; see content.ResourceService.
func (s *Service) TranslationsOf(ctx context.Context, slugs []string) (map[string][]*content.Resource, error) {
	return s.o.Store.TranslationsOf(ctx, slugs)
}

// Topics lists the topics with their counts; see content.ResourceService.
func (s *Service) Topics(ctx context.Context) ([]content.TopicCount, error) {
	counts, err := s.o.Store.TopicCounts(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]content.TopicCount, len(content.Topics))
	for i, t := range content.Topics {
		out[i] = content.TopicCount{Topic: t, Count: counts[t.Slug]}
	}
	return out, nil
}

// TopicCounts counts published resources per topic; see
// content.ResourceService.
func (s *Service) TopicCounts(ctx context.Context) (map[string]int, error) {
	return s.o.Store.TopicCounts(ctx)
}

// editorFor checks the role and that editing is wired.
func (s *Service) editorFor(ctx context.Context, role content.Role) (content.Editor, *content.Principal, error) {
	if err := content.Require(ctx, role); err != nil {
		return nil, nil, err
	}
	if s.o.Editor == nil {
		return nil, nil, content.Errorf(content.EUNAVAILABLE, "editing is not available")
	}
	return s.o.Editor, content.PrincipalFrom(ctx), nil
}

// CreateResource creates a draft; see content.EditorialService.
func (s *Service) CreateResource(ctx context.Context, d content.Draft) (*content.Resource, error) {
	ed, p, err := s.editorFor(ctx, content.RoleEditor)
	if err != nil {
		return nil, err
	}
	d.Slug, d.Title, d.Summary = strings.TrimSpace(d.Slug), strings.TrimSpace(d.Title), strings.TrimSpace(d.Summary)
	return ed.CreateResource(ctx, p, d)
}

// UpdateResource edits a resource as a new draft revision; see
// content.EditorialService.
func (s *Service) UpdateResource(ctx context.Context, id int64, seen int, e content.ResourceEdit) (*content.Resource, error) {
	ed, p, err := s.editorFor(ctx, content.RoleEditor)
	if err != nil {
		return nil, err
	}
	return ed.UpdateResource(ctx, p, id, seen, e)
}

// PublishResource publishes now or at a time; see content.EditorialService.
func (s *Service) PublishResource(ctx context.Context, id int64, at *time.Time) (*content.Resource, error) {
	ed, p, err := s.editorFor(ctx, content.RoleEditor)
	if err != nil {
		return nil, err
	}
	return ed.PublishResource(ctx, p, id, at)
}

// WithdrawResource withdraws with a reason; see content.EditorialService.
func (s *Service) WithdrawResource(ctx context.Context, id int64, reason string) (*content.Resource, error) {
	ed, p, err := s.editorFor(ctx, content.RoleEditor)
	if err != nil {
		return nil, err
	}
	return ed.WithdrawResource(ctx, p, id, strings.TrimSpace(reason))
}

// CancelScheduledPublication cancels a scheduled publication; see
// content.EditorialService.
func (s *Service) CancelScheduledPublication(ctx context.Context, id int64) (*content.Resource, error) {
	ed, p, err := s.editorFor(ctx, content.RoleEditor)
	if err != nil {
		return nil, err
	}
	return ed.CancelScheduledPublication(ctx, p, id)
}

// Scheduled returns a resource's scheduled publication, or nil; see
// content.EditorialService.
func (s *Service) Scheduled(ctx context.Context, id int64) (*content.ScheduledPublication, error) {
	ed, _, err := s.editorFor(ctx, content.RoleEditor)
	if err != nil {
		return nil, err
	}
	return ed.Scheduled(ctx, id)
}

// RestoreRevision restores an older revision as the latest draft; see
// content.EditorialService.
func (s *Service) RestoreRevision(ctx context.Context, id int64, rev int) (*content.Resource, error) {
	ed, p, err := s.editorFor(ctx, content.RoleEditor)
	if err != nil {
		return nil, err
	}
	return ed.RestoreRevision(ctx, p, id, rev)
}

// MarkReviewed records a review; see content.EditorialService. A review
// dated after today is refused (INVALID_ARGUMENT on lastReviewedAt; the
// rule every door applies, content.CheckReviewDate).
func (s *Service) MarkReviewed(ctx context.Context, id int64, last, next time.Time) (*content.Resource, error) {
	ed, p, err := s.editorFor(ctx, content.RoleEditor)
	if err != nil {
		return nil, err
	}
	if e := content.CheckReviewDate("lastReviewedAt", last, time.Now()); e != nil {
		return nil, e
	}
	return ed.MarkReviewed(ctx, p, id, last, next)
}

// PendingDraft returns the unpublished latest revision, or nil; see
// content.EditorialService.
func (s *Service) PendingDraft(ctx context.Context, id int64) (*content.Resource, error) {
	ed, _, err := s.editorFor(ctx, content.RoleEditor)
	if err != nil {
		return nil, err
	}
	return ed.PendingDraft(ctx, id)
}

// Revisions lists a page of revisions newest first; see
// content.EditorialService.
func (s *Service) Revisions(ctx context.Context, id int64, first int, before *int) ([]content.RevisionInfo, error) {
	ed, _, err := s.editorFor(ctx, content.RoleEditor)
	if err != nil {
		return nil, err
	}
	if first < 0 || first > content.MaxRevisionsPage {
		return nil, content.FieldErrorf("first", "must be between 0 and %d", content.MaxRevisionsPage)
	}
	b := 0
	if before != nil {
		if *before < 1 {
			return nil, content.FieldErrorf("before", "must be a revision number (1 or more)")
		}
		b = *before
	}
	return ed.Revisions(ctx, id, first, b)
}

// Revision returns one revision's content; see content.EditorialService.
func (s *Service) Revision(ctx context.Context, id int64, rev int) (*content.Draft, error) {
	ed, _, err := s.editorFor(ctx, content.RoleEditor)
	if err != nil {
		return nil, err
	}
	return ed.Revision(ctx, id, rev)
}

// AuditLog pages through the audit log; see content.EditorialService.
func (s *Service) AuditLog(ctx context.Context, first int, before int64) ([]content.AuditEntry, error) {
	ed, _, err := s.editorFor(ctx, content.RoleAdmin)
	if err != nil {
		return nil, err
	}
	if first < 0 || first > 500 {
		return nil, content.FieldErrorf("first", "must be between 0 and 500")
	}
	return ed.AuditLog(ctx, first, before)
}

// CreateToken creates an API token; see content.EditorialService.
func (s *Service) CreateToken(ctx context.Context, name string, role content.Role, expires *time.Time) (string, *content.Token, error) {
	ed, _, err := s.editorFor(ctx, content.RoleAdmin)
	if err != nil {
		return "", nil, err
	}
	return ed.CreateToken(ctx, name, role, expires)
}

// ListTokens lists tokens; see content.EditorialService.
func (s *Service) ListTokens(ctx context.Context) ([]content.Token, error) {
	ed, _, err := s.editorFor(ctx, content.RoleAdmin)
	if err != nil {
		return nil, err
	}
	return ed.ListTokens(ctx)
}

// RevokeToken revokes a token; see content.EditorialService.
func (s *Service) RevokeToken(ctx context.Context, prefix string) (*content.Token, error) {
	ed, _, err := s.editorFor(ctx, content.RoleAdmin)
	if err != nil {
		return nil, err
	}
	return ed.RevokeToken(ctx, prefix)
}

// withdrawnMatcher is implemented by an index that can tell which
// withdrawn resources a search would have found (search.Index).
type withdrawnMatcher interface {
	MatchWithdrawn(ctx context.Context, text string, rs []*content.Resource) ([]*content.Resource, error)
}

// MatchWithdrawn returns the resources of rs (withdrawn, with the text they
// had when public) that a search for text would have found when they were
// published: a search feed's tombstones (breaker5 F10). An index that cannot
// tell leaves rs as it is (a reader ignores the tombstone of an entry it
// never had).
func (s *Service) MatchWithdrawn(ctx context.Context, text string, rs []*content.Resource) ([]*content.Resource, error) {
	if m, ok := s.o.Index.(withdrawnMatcher); ok && text != "" {
		return m.MatchWithdrawn(ctx, text, rs)
	}
	return rs, nil
}
