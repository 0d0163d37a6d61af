package model

import "time"

// Change is one public change as the change feed shows it.
type Change struct {
	Action     string
	ResourceID string // global id
	Slug       string
	Kind       string
	Revision   int
	At         time.Time
}
