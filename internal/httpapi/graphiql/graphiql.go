// Package graphiql serves the GraphiQL IDE from assets embedded in the
// binary (graphiql 3.8.3, react 18.3.1 from the npm registry; `make
// graphiql-assets` refreshes them). Nothing is loaded from a CDN.
package graphiql

import (
	"embed"
	"net/http"
)

//go:embed index.html init.js graphiql.min.js graphiql.min.css react.production.min.js react-dom.production.min.js
var assets embed.FS

// csp allows only the hub's own scripts and styles (GraphiQL sets inline
// styles and its fonts are data: URLs).
const csp = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; font-src data:; img-src 'self' data:; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'"

// Handler serves GraphiQL at prefix (e.g. "/graphiql").
func Handler(prefix string) http.Handler {
	files := http.StripPrefix(prefix, http.FileServerFS(assets))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", csp)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		if r.URL.Path == prefix || r.URL.Path == prefix+"/" {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Cache-Control", "no-cache")
			b, _ := assets.ReadFile("index.html")
			w.Write(b)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=86400")
		files.ServeHTTP(w, r)
	})
}
