package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"guidancehub/internal/testdb"
)

// writeBigGuidance writes a guidance file with a body of about size bytes
// (varied words, so the index stays ordinary).
func writeBigGuidance(t *testing.T, dir, slug string, size int) {
	t.Helper()
	var b strings.Builder
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, "Paragraph %d: a practice registers a patient without proof of address; word%d applies.\n\n", i, i%500)
	}
	doc := fmt.Sprintf("---\nkind: guidance\nslug: %s\ntitle: Big guidance %s\nsummary: A long guidance body for the slow export test.\ntopics: [charging]\naudiences: [clinicians]\nnations: [wales]\npublished: 2025-03-03\nlast_reviewed: 2025-03-04\nnext_review: 2026-03-04\nsources: [{title: S, url: \"https://example.org/\"}]\n---\n%s",
		slug, slug, b.String())
	if err := os.WriteFile(filepath.Join(dir, slug+".md"), []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
}

// slowClient is a client on 127.0.0.1 that sends one GET and then reads
// nothing more than its status line: with a 4 KiB receive buffer the
// server's writes block as soon as the kernel's buffers are full.
type slowClient struct {
	target string
	conn   net.Conn
	status string
	head   string
}

func dialSlow(t *testing.T, base, target string) *slowClient {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second, Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
		if err != nil {
			return err
		}
		return serr
	}}
	conn, err := d.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if _, err := fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", target); err != nil {
		t.Fatal(err)
	}
	return &slowClient{target: target, conn: conn}
}

// readHead reads the answer's head only (a few hundred bytes, byte by
// byte), waiting at most 30 s.
func (c *slowClient) readHead(t *testing.T) {
	t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	var head strings.Builder
	one := make([]byte, 1)
	for !strings.HasSuffix(head.String(), "\r\n\r\n") && head.Len() < 4096 {
		if _, err := c.conn.Read(one); err != nil {
			t.Fatalf("reading the head: %v (so far %q)", err, head.String())
		}
		head.WriteByte(one[0])
	}
	c.conn.SetReadDeadline(time.Time{})
	c.head = head.String()
	c.status, _, _ = strings.Cut(c.head, "\r\n")
}

func metricsPage(t *testing.T, base string) string {
	t.Helper()
	code, body := getText(t, base+"/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics: %d", code)
	}
	return body
}

// TestSlowExportsLeaveThePoolAlone (breaker5 F31): clients that ask for
// the export and then read nothing hold every export stream, and the rest
// of the hub answers as before: lookups, lists, searches and pages, with
// the pool's own stats (hub_db_connections_*) as the oracle that no
// export holds a pool connection. Slow readers of the other GET doors
// (Atom, GraphQL over GET, pages) are held at the same time: their
// answers are made before a byte is written, so they hold no connection
// either. An export past the streams is 503 UNAVAILABLE with Retry-After,
// and once the slow clients leave the export is whole again.
func TestSlowExportsLeaveThePoolAlone(t *testing.T) {
	dir := copyFixtures(t)
	// About 8 MB of export (body and bodyHTML): far more than the
	// kernel's buffers hold for a client that does not read.
	for i := range 8 {
		writeBigGuidance(t, dir, fmt.Sprintf("big-guidance-%d", i), 500<<10)
	}
	// Before the fix a lookup waited for a pool connection until the
	// request timeout (TIMEOUT).
	h := startHub(t, map[string]string{"DATABASE_URL": testdb.DSN(t), "HUB_RESOURCES_DIR": dir})

	page := metricsPage(t, h.url)
	poolMax := int(metricValue(t, page, "hub_db_connections_max"))
	streams := int(metricValue(t, page, "hub_export_streams_max"))
	if streams < 1 || poolMax < 1 {
		t.Fatalf("pool max %d, streams max %d", poolMax, streams)
	}
	// More slow exports than the pool has connections (what held it
	// before) and than there are streams, and slow readers of every
	// other GET door, as many as the pool has connections and more.
	n := max(poolMax, streams) + 2
	var exports, held []*slowClient
	for range n {
		exports = append(exports, dialSlow(t, h.url, "/export/resources.ndjson"))
	}
	others := []string{
		"/feeds/resources.atom",
		"/graphql?query=" + url.QueryEscape(`{resources(first:100){edges{node{title body bodyHTML}}}}`),
		"/resources/register-without-id",
		"/search?q=identity",
	}
	for range poolMax + 1 {
		for _, o := range others {
			held = append(held, dialSlow(t, h.url, o))
		}
	}
	// Wait (bounded) until the exports hold what they will hold: every
	// stream, or (before breaker5 F31's fix) the whole pool.
	deadline := time.Now().Add(30 * time.Second)
	for {
		page := metricsPage(t, h.url)
		if int(metricValue(t, page, "hub_export_streams")) == streams || int(metricValue(t, page, "hub_db_connections_acquired")) >= poolMax {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("30 s on, the slow exports hold neither every stream nor the pool")
		}
		time.Sleep(50 * time.Millisecond)
	}

	// The other slow readers are answered (their heads arrive: the
	// answer is made) and then read nothing more.
	for _, c := range held {
		c.readHead(t)
		if !strings.Contains(c.status, " 200 ") {
			t.Errorf("a slow reader of %s: %s", c.target, c.status)
		}
	}

	// While they are held: every door answers, and the pool is free.
	for round := range 3 {
		for _, q := range []string{
			`{resource(slug:"register-without-id"){title}}`,
			`{resources(first:5){totalCount edges{node{slug}}}}`,
			`{search(query:"identity", first:3){totalCount edges{node{slug}}}}`,
		} {
			r := post(t, h.url, q, nil)
			if r.status != http.StatusOK || len(r.Errors) > 0 || r.Data == nil {
				t.Fatalf("round %d, %s while slow clients hold the exports: %d %+v", round, q, r.status, r.Errors)
			}
		}
		for _, p := range []string{"/resources/register-without-id", "/search?q=identity", "/"} {
			if code, _ := getText(t, h.url+p); code != http.StatusOK {
				t.Fatalf("round %d, page %s: %d", round, p, code)
			}
		}
		page := metricsPage(t, h.url)
		if busy := int(metricValue(t, page, "hub_export_streams")); busy != streams {
			t.Fatalf("round %d: %d export streams busy, want %d (the slow clients stopped holding them: the test no longer tests)", round, busy, streams)
		}
		t.Logf("round %d: pool %v of %d", round, metricValue(t, page, "hub_db_connections_acquired"), poolMax)
		if acq := int(metricValue(t, page, "hub_db_connections_acquired")); acq >= poolMax {
			t.Errorf("round %d: %d of the pool's %d connections acquired while only slow clients are connected", round, acq, poolMax)
		}
	}
	// The exports past the streams were refused at once, in the API's
	// error shape, with Retry-After.
	ok, refused := 0, 0
	for i, c := range exports {
		c.readHead(t)
		switch {
		case strings.Contains(c.status, " 200 "):
			ok++
		case strings.Contains(c.status, " 503 "):
			refused++
			if !strings.Contains(c.head, "\r\nRetry-After: ") {
				t.Errorf("export %d refused without Retry-After:\n%s", i, c.head)
			}
		default:
			t.Fatalf("export %d: %s", i, c.status)
		}
	}
	if ok != streams || refused != n-streams {
		t.Errorf("%d slow exports: %d sent, %d refused; want %d sent (the streams), the rest refused", n, ok, refused, streams)
	}
	res, err := http.Get(h.url + "/export/resources.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	var refusal struct {
		Errors []struct {
			Extensions struct {
				Code       string `json:"code"`
				RetryAfter int    `json:"retryAfter"`
			} `json:"extensions"`
		} `json:"errors"`
	}
	err = json.NewDecoder(res.Body).Decode(&refusal)
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable || err != nil || len(refusal.Errors) != 1 || refusal.Errors[0].Extensions.Code != "UNAVAILABLE" ||
		res.Header.Get("Retry-After") != "60" {
		t.Errorf("export past the streams: %d %+v (%v), Retry-After %q", res.StatusCode, refusal, err, res.Header.Get("Retry-After"))
	}

	// The slow clients leave: the streams come free (bounded wait) and an
	// export is whole.
	for _, c := range append(exports, held...) {
		c.conn.Close()
	}
	deadline = time.Now().Add(60 * time.Second)
	for int(metricValue(t, metricsPage(t, h.url), "hub_export_streams")) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("export streams still busy 60 s after their clients left")
		}
		time.Sleep(100 * time.Millisecond)
	}
	res, err = http.Get(h.url + "/export/resources.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(nil, 4<<20)
	lines := 0
	var last string
	for sc.Scan() {
		lines++
		last = sc.Text()
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	var end struct {
		Cursor string `json:"cursor"`
		Count  int    `json:"count"`
	}
	if err := json.Unmarshal([]byte(last), &end); err != nil || end.Cursor == "" || end.Count != lines-1 || end.Count < 8 {
		t.Errorf("export after the slow clients left: %d lines, last %q", lines, last[:min(len(last), 200)])
	}
	_, _ = io.Copy(io.Discard, res.Body)
}
