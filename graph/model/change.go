package model

import (
	"time"

	"guidancehub/internal/content"
)

// Change is one public change as the change feed shows it.
type Change struct {
	Action     content.ChangeAction
	ResourceID string // global id
	Slug       string
	Kind       content.Kind
	Revision   int
	At         time.Time
}
