package search

import (
	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

var folder = cases.Fold()

// foldKey is a search key: NFKC-normalised and case-folded (and NFKC again,
// as folding can undo normalisation), so that full-width "ＧＰ" is "gp" and
// composed and decomposed "é" are one letter.
func foldKey(s string) string {
	return norm.NFKC.String(folder.String(norm.NFKC.String(s)))
}
