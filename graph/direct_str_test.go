package graph

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
)

// randomText returns text of n bytes drawn from printable ASCII, every
// byte below 0x20, '"', '\\', DEL and multi-byte characters (some cut, so
// not always valid UTF-8), in runs, so that words of eight bytes fall on
// every mix of plain and escaped bytes.
func randomText(r *rand.Rand, n int) string {
	var b strings.Builder
	for b.Len() < n {
		switch r.IntN(8) {
		case 0:
			b.WriteByte(byte(r.IntN(0x20)))
		case 1:
			b.WriteByte(`"\`[r.IntN(2)])
		case 2:
			b.WriteRune([]rune("é€😀\u2028\u00a0ß")[r.IntN(6)])
		case 3:
			b.WriteByte(byte(0x7f + r.IntN(0x81))) // DEL and lone bytes above it
		default:
			for range r.IntN(24) {
				b.WriteByte(byte(0x20 + r.IntN(0x5f)))
			}
		}
	}
	return b.String()
}

// TestStrWritesAsGqlgen: the direct path's string writer against gqlgen's
// own graphql.MarshalString, over generated text of every length up to 70
// bytes and longer, at every offset (the word-at-a-time scan meets each
// escaped byte at each position of a word).
func TestStrWritesAsGqlgen(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 3))
	check := func(s string) {
		t.Helper()
		var want bytes.Buffer
		graphql.MarshalString(s).MarshalGQL(&want)
		var w jsonWriter
		w.str(s)
		if !bytes.Equal(w.buf, want.Bytes()) {
			t.Fatalf("str(%q) = %s, gqlgen %s", s, w.buf, want.Bytes())
		}
	}
	for n := 0; n <= 70; n++ {
		for range 200 {
			s := randomText(r, n)
			for off := 0; off < 8 && off <= len(s); off++ {
				check(s[off:])
			}
		}
	}
	for range 300 {
		check(randomText(r, 1+r.IntN(20000)))
	}
	// Each byte value alone, at each position of a word of plain text.
	for c := 0; c < 256; c++ {
		for pos := 0; pos < 17; pos++ {
			b := []byte(strings.Repeat("a", 17))
			b[pos] = byte(c)
			check(string(b))
		}
	}
}

// TestNeedsEscape checks the word test against the byte test for words
// with one, two or no bytes to escape at every position.
func TestNeedsEscape(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	byteNeeds := func(c byte) bool { return c < 0x20 || c == '"' || c == '\\' }
	for range 200000 {
		var b [8]byte
		want := false
		for i := range b {
			switch r.IntN(4) {
			case 0:
				b[i] = byte(r.IntN(256))
			default:
				b[i] = byte(0x20 + r.IntN(0xe0))
			}
			want = want || byteNeeds(b[i])
		}
		if got := needsEscape(load64(string(b[:]))); got != want {
			t.Fatalf("needsEscape(% x) = %v, want %v", b, got, want)
		}
	}
}

func BenchmarkStr(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	var sb strings.Builder
	for sb.Len() < 5000 {
		for range 8 + r.IntN(60) {
			sb.WriteByte(byte('a' + r.IntN(26)))
		}
		if r.IntN(40) == 0 {
			sb.WriteString("\n\n")
		} else {
			sb.WriteByte(' ')
		}
	}
	s := sb.String()
	w := jsonWriter{buf: make([]byte, 0, 8192)}
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		w.buf = w.buf[:0]
		w.str(s)
	}
}
