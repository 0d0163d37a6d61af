package search

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"strings"
	"sync"
)

// britishEnglish is Debian's wbritish word list (SCOWL, version
// 2020.12.07-2; /usr/share/dict/british-english), gzipped. Its licence is
// in dict/COPYRIGHT-british-english.
//
//go:embed dict/british-english.gz
var britishEnglish []byte

// dictionary is the word list folded as search keys are (foldKey), without
// possessives.
var dictionary = sync.OnceValue(func() map[string]struct{} {
	m := make(map[string]struct{}, 110000)
	eachWord(func(w string) { m[foldKey(w)] = struct{}{} })
	return m
})

// eachWord calls f with each word of the embedded word list as the list
// writes it (capitals kept), possessives left out.
func eachWord(f func(w string)) {
	zr, err := gzip.NewReader(bytes.NewReader(britishEnglish))
	if err != nil {
		panic("search: embedded word list: " + err.Error())
	}
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		w := strings.TrimSpace(sc.Text())
		if w == "" || strings.HasSuffix(w, "'s") {
			continue
		}
		f(w)
	}
	if err := sc.Err(); err != nil {
		panic("search: embedded word list: " + err.Error())
	}
}

// inDictionary reports whether a folded word is a British English word.
func inDictionary(w string) bool {
	_, ok := dictionary()[w]
	return ok
}
