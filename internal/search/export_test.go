package search

import (
	"context"

	"guidancehub/internal/content"
)

// SetSnapshotHook makes f run before each chunk of a snapshot is stored.
func SetSnapshotHook(s *Syncer, f func()) { s.snapshotHook = f }

// SetStoredMapping overwrites the mapping version recorded inside the live
// index, as an index built by another version of the hub would hold.
func SetStoredMapping(s *Syncer, v string) error {
	idx, done := s.current()
	defer done()
	return idx.SetInternal([]byte(keyMapping), []byte(v))
}

// ForceSnapshot writes a snapshot whether one is due or not.
func ForceSnapshot(ctx context.Context, s *Syncer) (*content.IndexSnapshot, error) {
	return s.writeSnapshot(ctx, true)
}
