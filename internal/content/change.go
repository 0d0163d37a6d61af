package content

import (
	"encoding/base64"
	"encoding/binary"
	"time"
)

// ChangeAction is what a change-log row did to a resource, as the public
// sees it.
type ChangeAction string

// The change actions. PUBLISHED, UPDATED and WITHDRAWN are public events
// (the change feed, webhooks and the search index follow them); DRAFT is an
// edit only editors can see, which public readers skip.
const (
	// ActionPublished: the resource became public (first publication, or
	// published again after a withdrawal).
	ActionPublished ChangeAction = "PUBLISHED"
	// ActionUpdated: a public resource's live revision changed.
	ActionUpdated ChangeAction = "UPDATED"
	// ActionWithdrawn: a public resource was withdrawn.
	ActionWithdrawn ChangeAction = "WITHDRAWN"
	// ActionDraft: an edit the public cannot see (a new draft revision of a
	// published resource, a draft never published).
	ActionDraft ChangeAction = "DRAFT"
)

// Public reports whether the action is a public event.
func (a ChangeAction) Public() bool {
	return a == ActionPublished || a == ActionUpdated || a == ActionWithdrawn
}

// PublicAction is the action to record for an edit that moved a resource
// from status before to status after; live says whether the edit changed
// the revision the public sees. Becoming published is PUBLISHED, a
// published resource withdrawn is WITHDRAWN, a published resource with a
// new live revision is UPDATED, anything else (drafts, withdrawing a draft
// that was never public) is DRAFT.
func PublicAction(before, after Status, live bool) ChangeAction {
	switch {
	case after == StatusPublished && before != StatusPublished:
		return ActionPublished
	case after == StatusWithdrawn && before == StatusPublished:
		return ActionWithdrawn
	case after == StatusPublished && live:
		return ActionUpdated
	}
	return ActionDraft
}

// Change is one row of the change log (outbox): written in the transaction
// of the edit it records.
type Change struct {
	// Seq is the row's number: unique, but committed out of order.
	Seq        int64
	ResourceID int64
	// Action is what the public saw happen.
	Action ChangeAction
	// Revision is the revision the public sees after the change (for
	// WITHDRAWN, the last one it saw); for DRAFT, the new draft revision.
	Revision  int
	CreatedAt time.Time
}

// ChangeEvent is a public change with what a partner needs to act on it.
type ChangeEvent struct {
	Change
	Slug string
	Kind Kind
	// Cursor is the change-feed position just after this event.
	Cursor ChangePosition
}

// ChangePage is one page of the change feed.
type ChangePage struct {
	Events []ChangeEvent
	// Next is where a reader resumes: the last event's cursor or, for an
	// empty page, a position no older than the read.
	Next ChangePosition
	// More says events beyond this page were already visible.
	More bool
	// Waiting is the creation time of the oldest visible change this page
	// left out (zero when none): after the page when More, or, when a
	// long-open writing transaction capped it (MaxChangeSeen), a change
	// that cannot be delivered until that transaction ends. A reader's
	// lag is measured from it (review4 R16).
	Waiting time.Time
}

// MaxChangeSeen bounds ChangePosition.Seen: a page of the change feed ends
// early rather than let a cursor carry more (it happens only while one
// writing transaction stays open for long).
const MaxChangeSeen = 1000

// ChangePosition is a reader's place in the change log. Transaction ids
// below Watermark were all finished and read; of the transaction
// Watermark itself, the rows with Seq up to Through were read (0: none),
// which lets a reader stop and resume inside one large transaction (an
// import of 100,000 files commits once) with a cursor of constant size;
// Seen lists the other rows (by Seq, ascending) at or above Watermark
// already delivered, so that a row whose transaction committed out of
// order is delivered once, never skipped.
type ChangePosition struct {
	Watermark uint64
	Through   int64
	Seen      []int64
}

// Cursor versions: 1 has no Through (and is still written when Through is
// 0, so positions without it keep their text); 2 has it.
const (
	changeCursorVersion        = 1
	changeCursorVersionThrough = 2
)

// Encode returns the position as an opaque cursor: version, watermark,
// (version 2) Through, and the Seen rows as ascending deltas, all varints,
// in unpadded base64url.
func (p ChangePosition) Encode() string {
	b := []byte{changeCursorVersion}
	b = binary.AppendUvarint(b, p.Watermark)
	if p.Through > 0 {
		b[0] = changeCursorVersionThrough
		b = binary.AppendUvarint(b, uint64(p.Through))
	}
	b = binary.AppendUvarint(b, uint64(len(p.Seen)))
	var prev int64
	for _, s := range p.Seen {
		b = binary.AppendUvarint(b, uint64(s-prev))
		prev = s
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeChangePosition parses a cursor made by Encode and checks its whole
// shape: a known version, a watermark above 0, (version 2) Through above 0,
// at most MaxChangeSeen rows, each above 0 and strictly ascending, nothing
// after them. Any other text is an EINVALID error for field "after";
// whether the position is still within the change log's retention is for
// the store to say.
func DecodeChangePosition(s string) (ChangePosition, error) {
	bad := func() (ChangePosition, error) {
		return ChangePosition{}, FieldErrorf("after", "is not a change-feed cursor from this hub")
	}
	if len(s) > 4*(1+4*10+MaxChangeSeen*10)/3+4 {
		return bad()
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) == 0 || b[0] != changeCursorVersion && b[0] != changeCursorVersionThrough {
		return bad()
	}
	version := b[0]
	b = b[1:]
	next := func() (uint64, bool) {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			return 0, false
		}
		b = b[n:]
		return v, true
	}
	var p ChangePosition
	var ok bool
	if p.Watermark, ok = next(); !ok || p.Watermark == 0 {
		return bad()
	}
	if version == changeCursorVersionThrough {
		t, ok := next()
		if !ok || t == 0 || t > 1<<62 {
			return bad()
		}
		p.Through = int64(t)
	}
	n, ok := next()
	if !ok || n > MaxChangeSeen {
		return bad()
	}
	var prev uint64
	for range n {
		d, ok := next()
		if !ok || d == 0 || d > 1<<62 || prev+d > 1<<62 {
			return bad()
		}
		prev += d
		p.Seen = append(p.Seen, int64(prev))
	}
	if len(b) != 0 || p.Encode() != s {
		return bad() // trailing bytes, or a number not in its shortest form
	}
	return p, nil
}

// EEXPIRED says a change-feed cursor is older than the change log's
// retention: the reader must start again from the export.
const EEXPIRED = "expired"
