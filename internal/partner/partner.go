// Package partner serves the hub's partners: the change feed (what was
// published, updated or withdrawn, in order, resumable), the NDJSON export
// that ends with a change-feed cursor, Atom feeds and signed webhooks. It
// speaks domain types; GraphQL and HTTP only translate to and from them.
package partner

import (
	"context"

	"guidancehub/internal/content"
)

// Feed reads the change log's public events.
type Feed interface {
	// ChangeFeed returns up to limit public events after pos (nil: from
	// the oldest retained). A position older than the retention is
	// EEXPIRED.
	ChangeFeed(ctx context.Context, pos *content.ChangePosition, limit int) (*content.ChangePage, error)
}

// DefaultChanges and MaxChanges bound a page of the change feed.
const (
	DefaultChanges = 20
	MaxChanges     = 100
)

// Changes answers the change feed: first defaults to DefaultChanges and
// must be 0..MaxChanges (0, as for every other first of the API and the
// Relay connection spec, is an empty page whose cursor and hasNextPage
// still say where the feed stands); after is a cursor from an earlier page (an edge's
// or the connection's), decoded and checked in full before it reaches the
// store. Errors: EINVALID for first or after, EEXPIRED for a cursor older
// than the change log's retention.
func Changes(ctx context.Context, f Feed, after *string, first *int) (*content.ChangePage, error) {
	n := DefaultChanges
	if first != nil {
		n = *first
	}
	if n < 0 || n > MaxChanges {
		return nil, content.FieldErrorf("first", "must be between 0 and %d", MaxChanges)
	}
	if err := content.CheckAfter(after); err != nil {
		return nil, err
	}
	var pos *content.ChangePosition
	if after != nil {
		p, err := content.DecodeChangePosition(*after)
		if err != nil {
			return nil, err
		}
		pos = &p
	}
	return f.ChangeFeed(ctx, pos, n)
}
