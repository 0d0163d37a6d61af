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

// ListQuery asks for one page of published resources.
type ListQuery struct {
	// Editor lists as editors see it: drafts are listed with their latest
	// revision when Filter.Statuses asks for them.
	Editor bool
	Filter Filter
	Order  Order
	First  int
	After  *Cursor
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
}
