package render

import (
	"regexp"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"

	"guidancehub/internal/content"
)

// Visible marks the bytes of a Markdown body that its page shows as text
// (HTML's text, and an image's alt text, which is read out and shown when
// the image does not load): the same parser as HTML (goldmark with GFM
// and footnotes) read as a tree, the text of its Text nodes, code spans'
// and code blocks' lines and autolinks' labels; not raw HTML (HTML omits
// it), link destinations, reference definitions, footnote labels,
// emphasis, heading, list, table and task-list syntax. An entity or
// character reference (&amp;, &#233;) is not marked: the page shows a
// character for it, not its name. ok is false for a body over
// content.MaxLinkScan (HTML shows it as plain text; the parser would
// take too long).
func Visible(markdown string) (vis []bool, ok bool) {
	if content.LinkScanCost(markdown) > content.MaxLinkScan {
		return nil, false
	}
	src := []byte(markdown)
	vis = make([]bool, len(src))
	mark := func(s, e int) {
		for i := max(s, 0); i < e && i < len(vis); i++ {
			vis[i] = true
		}
	}
	doc := md.Parser().Parse(text.NewReader(src))
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch x := n.(type) {
		case *ast.HTMLBlock, *ast.RawHTML:
			return ast.WalkSkipChildren, nil
		case *ast.Text:
			mark(x.Segment.Start, x.Segment.Stop)
		case *ast.CodeBlock, *ast.FencedCodeBlock:
			lines := n.Lines()
			for i := 0; i < lines.Len(); i++ {
				s := lines.At(i)
				mark(s.Start, s.Stop)
			}
		case *ast.AutoLink:
			// The label is a slice of the source: its offset is where
			// it starts.
			if l := x.Label(src); len(l) > 0 && cap(l) <= cap(src) {
				off := cap(src) - cap(l)
				mark(off, off+len(l))
			}
		}
		return ast.WalkContinue, nil
	})
	// References inside text: the character shown is not a word of the
	// name (a reference goldmark resolves: numeric, or a name of HTML5's
	// list).
	for _, m := range entityRE.FindAllSubmatchIndex(src, -1) {
		if !vis[m[0]] {
			continue
		}
		if m[2] >= 0 {
			if _, known := util.LookUpHTML5EntityByName(string(src[m[2]:m[3]])); !known {
				continue
			}
		}
		for i := m[0]; i < m[1]; i++ {
			vis[i] = false
		}
	}
	return vis, true
}

var entityRE = regexp.MustCompile(`&(?:#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|([A-Za-z][A-Za-z0-9]{1,31}));`)
