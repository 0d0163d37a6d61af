package content

import (
	"time"
)

// Filter narrows a list of resources. Lists are OR within a field and AND
// across fields; an empty list does not filter.
type Filter struct {
	Kinds           []Kind
	Topics          []string
	Audiences       []string
	Nations         []string
	Languages       []string
	PublishedAfter  *time.Time // inclusive
	PublishedBefore *time.Time // inclusive
	// Editors only: statuses to list (default published) and resources
	// past their next-review date.
	Statuses      []Status
	ReviewOverdue bool
}

// Validate checks a filter against the domain's rules: known kinds,
// statuses and topics, language tags, and PublishedAfter not after
// PublishedBefore. Errors are EINVALID naming the field as the API does
// ("filter.topics").
func (f Filter) Validate() error {
	for _, k := range f.Kinds {
		if !k.Valid() {
			return FieldErrorf("filter.kinds", "unknown kind %q", k)
		}
	}
	for _, s := range f.Statuses {
		if !s.Valid() {
			return FieldErrorf("filter.statuses", "unknown status %q", s)
		}
	}
	for _, t := range f.Topics {
		if _, ok := TopicBySlug(t); !ok {
			return FieldErrorf("filter.topics", "unknown topic %q", t)
		}
	}
	for _, l := range f.Languages {
		if !ValidLanguage(l) {
			return FieldErrorf("filter.languages", "%q is not a language tag", l)
		}
	}
	if a, b := f.PublishedAfter, f.PublishedBefore; a != nil && b != nil && a.After(*b) {
		return FieldErrorf("filter.publishedAfter", "is after publishedBefore")
	}
	return nil
}

// Order is the order of a list of resources.
type Order struct {
	Field     OrderField
	Direction Direction
}

// OrderField is what a list is sorted by. Ties are always broken by id.
type OrderField string

// The fields a list can be ordered by.
const (
	OrderPublishedAt OrderField = "PUBLISHED_AT"
	OrderUpdatedAt   OrderField = "UPDATED_AT"
	OrderTitle       OrderField = "TITLE"
)

// Direction is ascending or descending.
type Direction string

// The two directions.
const (
	Asc  Direction = "ASC"
	Desc Direction = "DESC"
)

// Valid reports whether o is a known field and direction.
func (o Order) Valid() bool {
	switch o.Field {
	case OrderPublishedAt, OrderUpdatedAt, OrderTitle:
	default:
		return false
	}
	return o.Direction == Asc || o.Direction == Desc
}

// DefaultOrder is newest published first.
var DefaultOrder = Order{Field: OrderPublishedAt, Direction: Desc}

// Page sizes.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
)

// PageSize validates a requested page size and applies the default.
func PageSize(first *int) (int, error) {
	if first == nil {
		return DefaultPageSize, nil
	}
	switch n := *first; {
	case n < 0:
		return 0, FieldErrorf("first", "must not be negative")
	case n > MaxPageSize:
		return 0, FieldErrorf("first", "must be at most %d", MaxPageSize)
	default:
		return n, nil
	}
}

// CheckAfter refuses an after argument that is the empty string, with one
// message for every paginated field of the API (resources, search,
// changes, auditLog): it names no position, and the lists disagreed, one
// reading it as the first page and the others as a bad cursor (breaker4
// F15). Leaving after out (or null) asks for the first page.
func CheckAfter(after *string) error {
	if after != nil && *after == "" {
		return FieldErrorf("after", "is empty, which is not a cursor: leave after out (or null) for the first page")
	}
	return nil
}

// ListQuery asks for one page of published resources.
type ListQuery struct {
	// Editor lists as editors see it: drafts are listed with their latest
	// revision when Filter.Statuses asks for them.
	Editor bool
	Filter Filter
	Order  Order
	First  int
	After  *Cursor
	// NoCount skips counting the matching resources: ListPage.TotalCount
	// stays 0 and no count is sent to the database (a count reads every
	// matching row; a page of 20 reads 21).
	NoCount bool
	// Omit names the costly parts left out of each resource (empty values
	// in their place), as for ResourceStore.ResourcesByID.
	Omit Part
}

// Cursor is a position in an ordered list: the sort key and id of the last
// row seen. Clients see it encoded and opaque.
type Cursor struct {
	Order Order
	Key   string
	ID    int64
}

// ListPage is one page of a list.
type ListPage struct {
	Resources   []*Resource
	Cursors     []Cursor
	TotalCount  int
	HasNext     bool
	HasPrevious bool
	// CountedAt is the change-log watermark TotalCount is exact as of:
	// every change in a transaction below it is counted. 0: not stated
	// (no count, an editor's list, or a replica that has not applied a
	// position yet).
	CountedAt uint64
}
