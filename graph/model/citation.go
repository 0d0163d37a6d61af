package model

import (
	"context"

	"guidancehub/internal/citation"
)

// Citation is the resource cited in format f (internal/citation), its
// URL under the operation's public URL.
func (b base) Citation(ctx context.Context, f CitationFormat) (string, error) {
	base, _ := ctx.Value(publicURLKey{}).(string)
	return citation.Write(b.r, citation.Format(f), citation.Site{PublicURL: base})
}
