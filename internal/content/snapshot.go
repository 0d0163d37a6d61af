package content

import "time"

// IndexSnapshot describes one search index snapshot stored beside the
// resources (PostgreSQL's index_snapshots), for a new replica to restore
// instead of rebuilding its index (internal/search/snapshot.go).
type IndexSnapshot struct {
	ID        int64
	CreatedAt time.Time
	// MappingVersion is the index mapping version it was built with.
	MappingVersion string
	// Watermark is the change-log position the index reflects (at least):
	// a reader of the log starts from it.
	Watermark uint64
	// Reindex is the newest reindex request the index had carried out.
	Reindex int64
	// Documents in the index; Bytes in all its files.
	Documents, Bytes int64
	Files            []SnapshotFile
}

// SnapshotFile is one file of an index snapshot: its path inside the index
// directory (slash-separated, e.g. "store/00000000000a.zap"), its size in
// bytes and the hex SHA-256 of its bytes.
type SnapshotFile struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// SnapshotChunk is the most bytes of a snapshot file stored in one piece.
const SnapshotChunk = 1 << 20

// ChunkWriter stores the pieces of one index snapshot being written:
// piece seq (0, 1, …) of file, at most SnapshotChunk bytes.
type ChunkWriter interface {
	// Put stores piece seq of file (data is not kept after it returns).
	Put(file string, seq int, data []byte) error
}
