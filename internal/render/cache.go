package render

import (
	"crypto/sha256"
	"sync"
)

// cacheSize bounds the rendered-HTML cache (entries, not bytes; bodies are
// a few KiB each).
const cacheSize = 4096

// cacheKey is the SHA-256 of the language and the Markdown: content, not
// row ids, so that databases sharing a process (tests) never mix.
type cacheKey [32]byte

var cache = struct {
	sync.Mutex
	m map[cacheKey]string
}{m: map[cacheKey]string{}}

// Cached is HTML rendered once per body and language. Entries never go
// stale (the key is the content); when full, the cache is emptied (simple,
// and rendering is cheap enough to refill).
func Cached(markdown, lang string) string {
	k := cacheKey(sha256.Sum256([]byte(lang + "\x00" + markdown)))
	cache.Lock()
	h, ok := cache.m[k]
	cache.Unlock()
	if ok {
		return h
	}
	h = HTML(markdown, lang)
	cache.Lock()
	if len(cache.m) >= cacheSize {
		clear(cache.m)
	}
	cache.m[k] = h
	cache.Unlock()
	return h
}
