package command

import (
	"context"
	"fmt"
	"io"

	"guidancehub/internal/postgres"
)

// runReindex records a reindex request. The CLI never opens the index (a
// running server holds its lock): every replica carries the request out by
// rebuilding beside its index and swapping.
func runReindex(ctx context.Context, db *postgres.DB, stdout, stderr io.Writer) int {
	id, err := db.RequestReindex(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "guidancehub reindex:", err)
		return 1
	}
	fmt.Fprintf(stdout, "reindex requested (#%d): every running hub rebuilds its search index; a stopped one rebuilds when it starts\n", id)
	return 0
}
