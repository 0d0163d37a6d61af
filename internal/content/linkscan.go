package content

// MaxLinkScan bounds LinkScanCost: a body above it is refused (Draft.Check)
// and rendered as plain escaped text (internal/render). The renderer's
// parser (goldmark v1.8.7) reads a link's destination from every "](" to
// where the destination could end, again for every "](" before that end:
// "[a](" repeated 20,000 times took 2.2 s to render and 200 openers before
// 1 MB without a space 0.56 s (about 2.8 ns per byte read), so a body
// within MaxBody could hold a page for minutes. Real bodies read a few
// kilobytes this way (a hundred links of a hundred characters); 4 MiB is
// about 12 ms of parsing.
const MaxLinkScan = 4 << 20

// LinkScanCost is an upper bound of the bytes the renderer's parser reads
// looking for link destinations in a Markdown body: for each "](", the
// bytes to the first space, tab or line break after it (a destination
// holds none), or with "](<" to the first '>' or line break. Linear in the
// body's length (each scan's end is found once and moves only forward).
func LinkScanCost(body string) int {
	cost := 0
	ws, gt := -1, -1 // the next whitespace, and '>' or newline, at or after a position
	for i := 0; i+1 < len(body); i++ {
		if body[i] != ']' || body[i+1] != '(' {
			continue
		}
		from := i + 2
		if from < len(body) && body[from] == '<' {
			if gt < from {
				gt = len(body)
				for j := from; j < len(body); j++ {
					if body[j] == '>' || body[j] == '\n' {
						gt = j
						break
					}
				}
			}
			cost += gt - from
			continue
		}
		if ws < from {
			ws = len(body)
			for j := from; j < len(body); j++ {
				if c := body[j]; c == ' ' || c == '\t' || c == '\n' || c == '\r' {
					ws = j
					break
				}
			}
		}
		cost += ws - from
	}
	return cost
}
