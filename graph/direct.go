package graph

import (
	"context"
	"fmt"
	"io"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/ast"

	"guidancehub/graph/model"
	"guidancehub/internal/content"
)

// The direct path answers the root fields `resource` and `resources` of a
// query when every field asked under them is plain data of the resource
// already loaded (no resolver, loader or directive below: see
// directFields), writing their JSON in one pass. gqlgen's executor costs,
// per field of every object, a field context, a middleware chain, a
// closure and, per list, a goroutine per element: about 4,600 allocations
// for a page of 20 resources with seven fields, ~70 % of the list's CPU.
//
// The output is byte for byte what gqlgen writes (TestDirectPathAgrees
// compares the two over generated queries): same field order and aliases,
// gqlgen's string quoting, its scalar formats. Anything else - another
// field, @defer, an error from the resolver, a value gqlgen would turn
// into a null-field error, a panic - falls back to gqlgen's executor, which
// then answers the field as before (resolving it again).
//
// Arguments are coerced by the generated code and the resolvers are the
// same (queryResolver.Resource, queryResolver.Resources), so validation,
// visibility, counting and the choice of columns are unchanged.

// directFields lists, per object type, the fields the direct path writes
// and the type of each object-valued one ("" for a leaf).
var directFields = map[string]map[string]string{
	"ResourceConnection": {"totalCount": "", "countedAt": "", "edges": "ResourceEdge", "pageInfo": "PageInfo"},
	"ResourceEdge":       {"cursor": "", "node": "Resource"},
	"PageInfo":           {"hasNextPage": "", "hasPreviousPage": "", "startCursor": "", "endCursor": ""},
	"Resource": {"id": "", "slug": "", "kind": "", "status": "", "title": "", "summary": "", "body": "", "bodyHTML": "",
		"topics": "Topic", "audiences": "", "nations": "", "language": "", "translationStatus": "", "publishedAt": "",
		"updatedAt": "", "lastReviewedAt": "", "nextReviewDue": "", "url": "", "withdrawal": "Withdrawal", "revision": ""},
	"Topic":      {"slug": "", "name": "", "description": ""},
	"Withdrawal": {"reason": "", "withdrawnAt": ""},
}

// directTypes are the concrete types of each type the direct path writes
// and their implementors (as the generated code collects fields for them).
var directTypes = map[string][]struct {
	name         string
	implementors []string
}{
	"ResourceConnection": {{"ResourceConnection", resourceConnectionImplementors}},
	"ResourceEdge":       {{"ResourceEdge", resourceEdgeImplementors}},
	"PageInfo":           {{"PageInfo", pageInfoImplementors}},
	"Topic":              {{"Topic", topicImplementors}},
	"Withdrawal":         {{"Withdrawal", withdrawalImplementors}},
	"Resource": {
		{"GuidanceDocument", guidanceDocumentImplementors},
		{"ResearchBrief", researchBriefImplementors},
		{"PolicyPosition", policyPositionImplementors},
	},
}

// plan is the collected fields of one selection set for one concrete type,
// with the plans of its object-valued fields (per concrete type: one
// entry, or three for a Resource, in directTypes order).
type plan struct {
	typeName string
	fields   []graphql.CollectedField
	subs     [][]*plan
}

// makePlan collects sel for each concrete type of typ; ok is false when a
// field is not one the direct path writes.
func makePlan(oc *graphql.OperationContext, sel ast.SelectionSet, typ string) ([]*plan, bool) {
	types := directTypes[typ]
	allowed := directFields[typ]
	out := make([]*plan, len(types))
	for i, t := range types {
		p := &plan{typeName: t.name, fields: graphql.CollectFields(oc, sel, t.implementors)}
		p.subs = make([][]*plan, len(p.fields))
		for j, f := range p.fields {
			if len(f.Deferrables) > 0 {
				return nil, false
			}
			if f.Name == "__typename" {
				continue
			}
			sub, known := allowed[f.Name]
			if !known {
				return nil, false
			}
			if sub != "" {
				sp, ok := makePlan(oc, f.Selections, sub)
				if !ok {
					return nil, false
				}
				p.subs[j] = sp
			}
		}
		out[i] = p
	}
	return out, true
}

// direct is the root-field middleware that serves the direct path.
type direct struct {
	r  *Resolver
	es *executableSchema
	// known remembers each root field's plans by the operation's query
	// text, name and coerced variables (complexityKey) and the field's
	// alias: a plan is a function of those alone (CollectFields reads the
	// document and the variables of @skip/@include). nil: always planned.
	known *lru.LRU[planned]
}

// planned is what makePlan answered.
type planned struct {
	plans []*plan
	ok    bool
}

// plan returns makePlan's answer for the root field, remembered.
func (d direct) plan(oc *graphql.OperationContext, field graphql.CollectedField, typ string) ([]*plan, bool) {
	key := ""
	if d.known != nil {
		if k := operationKey(oc); k != "" {
			key = k + "\x00" + field.Alias
		}
	}
	if key != "" {
		if p, ok := d.known.Get(context.Background(), key); ok {
			return p.plans, p.ok
		}
	}
	plans, ok := makePlan(oc, field.Selections, typ)
	if key != "" {
		d.known.Add(context.Background(), key, planned{plans, ok})
	}
	return plans, ok
}

// rawMarshaler is a root field's value, already written.
type rawMarshaler struct{ b []byte }

func (m rawMarshaler) MarshalGQL(w io.Writer) { w.Write(m.b) }

func (d direct) around(ctx context.Context, next graphql.RootResolver) (res graphql.Marshaler) {
	oc := graphql.GetOperationContext(ctx)
	rf := graphql.GetRootFieldContext(ctx)
	if d.r.GQLGenOnly || rf == nil || oc.Operation == nil || oc.Operation.Operation != ast.Query {
		return next(ctx)
	}
	field := rf.Field
	if len(field.Deferrables) > 0 {
		return next(ctx)
	}
	var typ string
	switch field.Name {
	case "resources":
		typ = "ResourceConnection"
	case "resource":
		typ = "Resource"
	default:
		return next(ctx)
	}
	defer func() {
		// gqlgen's executor answers what the direct path cannot, as it
		// would have without it (a panic there is recovered as usual).
		// Deferred before makePlan: gqlgen's CollectFields panics on an
		// @include/@skip whose if is not a boolean, and a panic here, in
		// the root field's goroutine, would end the process.
		if p := recover(); p != nil {
			// A fault of the direct path: said in the log (no query
			// text: it may hold search terms), answered by gqlgen.
			if d.r.Log != nil {
				d.r.Log.Error("graphql direct path panicked; gqlgen answered instead", "field", field.Name, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			}
			res = next(ctx)
		}
	}()
	plans, ok := d.plan(oc, field, typ)
	if !ok {
		return next(ctx)
	}
	// What the resolver gave, for gqlgen to take if it answers instead:
	// a failed list or lookup is not run twice (review4 R1: a list that
	// failed on the statement timeout held a connection for another 5 s
	// and turned the coded UNAVAILABLE into the request timeout). (The
	// deferred recover above reads ctx when it runs, so it passes the memo
	// on.)
	memo := &resolved{}
	ctx = context.WithValue(ctx, resolvedKey{}, memo)
	b, null, ok := d.resolve(ctx, oc, field, plans, memo)
	if !ok {
		return next(ctx)
	}
	if d.r.DirectAnswered != nil {
		d.r.DirectAnswered(field.Name)
	}
	if null {
		return graphql.Null
	}
	return rawMarshaler{b}
}

// resolved is a root field's resolver result that the direct path got
// but leaves to gqlgen to write (an error, or a shape it cannot write):
// the resolver gqlgen then calls returns it instead of asking the store
// again (see takeResolved). One per root field and request.
type resolved struct {
	done bool
	conn *model.ResourceConnection
	res  model.Resource
	err  error
}

type resolvedKey struct{}

func (m *resolved) set(conn *model.ResourceConnection, res model.Resource, err error) {
	m.done, m.conn, m.res, m.err = true, conn, res, err
}

// takeResolved returns, once, the result the direct path got for the
// root field ctx belongs to.
func takeResolved(ctx context.Context) (*resolved, bool) {
	m, ok := ctx.Value(resolvedKey{}).(*resolved)
	if !ok || !m.done {
		return nil, false
	}
	m.done = false
	return m, true
}

// resolve runs the field's resolver and writes its value; null: the value
// is null; ok false: let gqlgen answer.
func (d direct) resolve(ctx context.Context, oc *graphql.OperationContext, field graphql.CollectedField, plans []*plan, memo *resolved) (b []byte, null, ok bool) {
	fc := &graphql.FieldContext{Object: "Query", Field: field, IsMethod: true, IsResolver: true}
	ctx = graphql.WithFieldContext(ctx, fc)
	var err error
	q := queryResolver{d.r}
	w := jsonWriter{ctx: ctx}
	switch field.Name {
	case "resources":
		ec := newExecutionContext(oc, d.es, nil)
		if fc.Args, err = ec.field_Query_resources_args(ctx, field.ArgumentMap(oc.Variables)); err != nil {
			return nil, false, false
		}
		filter, _ := fc.Args["filter"].(*model.ResourceFilter)
		orderBy, _ := fc.Args["orderBy"].(*model.ResourceOrder)
		first, _ := fc.Args["first"].(*int)
		after, _ := fc.Args["after"].(*string)
		conn, err := q.Resources(ctx, filter, orderBy, first, after)
		memo.set(conn, nil, err)
		if err != nil || conn == nil {
			return nil, false, false
		}
		n := 512
		for i := range conn.Edges {
			n += sizeHint(conn.Edges[i].Node)
		}
		w.buf = make([]byte, 0, n)
		if !w.connection(conn, plans[0]) {
			return nil, false, false
		}
	case "resource":
		// A String! argument, validated and (from variables) coerced
		// already: what field_Query_resource_args returns for it,
		// without an execution context (25 allocations).
		fc.Args = field.ArgumentMap(oc.Variables)
		slug, isString := fc.Args["slug"].(string)
		if !isString {
			return nil, false, false
		}
		res, err := q.Resource(ctx, slug)
		memo.set(nil, res, err)
		if err != nil {
			return nil, false, false
		}
		if res == nil {
			return nil, true, true
		}
		w.buf = make([]byte, 0, sizeHint(res))
		if !w.resource(res, plans) {
			return nil, false, false
		}
	}
	return w.buf, false, true
}

// sizeHint is a first capacity for the JSON of res: its text, an eighth
// more for escapes (a newline is two bytes) and room for the other fields,
// so that the buffer is not grown (copied) while a long body is written.
func sizeHint(res model.Resource) int {
	const rest = 384
	var r *content.Resource
	switch x := res.(type) { // the values model.Wrap makes
	case model.GuidanceDocument:
		r = x.Content()
	case model.ResearchBrief:
		r = x.Content()
	case model.PolicyPosition:
		r = x.Content()
	}
	if r == nil {
		return rest
	}
	n := len(r.Title) + len(r.Summary) + len(r.Body) + len(r.Slug)
	return rest + n + n/8
}

// jsonWriter appends compact JSON as gqlgen's marshalers write it.
type jsonWriter struct {
	buf []byte
	ctx context.Context
}

func (w *jsonWriter) key(i int, alias string) {
	if i > 0 {
		w.buf = append(w.buf, ',')
	}
	w.str(alias)
	w.buf = append(w.buf, ':')
}

// str writes s quoted as gqlgen's writeQuotedString does: only control
// characters, backslash and double quote are escaped (no HTML escaping).
func (w *jsonWriter) str(s string) {
	const hex = "0123456789ABCDEF"
	w.buf = append(w.buf, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		// Eight bytes at a time while none needs escaping (a body is
		// mostly plain text: the byte loop was 4 % of a lookup's CPU).
		for i+8 <= len(s) && !needsEscape(load64(s[i:i+8])) {
			i += 8
		}
		if i >= len(s) {
			break
		}
		c := s[i]
		if c >= 0x20 && c != '\\' && c != '"' {
			continue
		}
		w.buf = append(w.buf, s[start:i]...)
		switch c {
		case '\t':
			w.buf = append(w.buf, '\\', 't')
		case '\r':
			w.buf = append(w.buf, '\\', 'r')
		case '\n':
			w.buf = append(w.buf, '\\', 'n')
		case '\\':
			w.buf = append(w.buf, '\\', '\\')
		case '"':
			w.buf = append(w.buf, '\\', '"')
		default:
			w.buf = append(w.buf, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		start = i + 1
	}
	w.buf = append(w.buf, s[start:]...)
	w.buf = append(w.buf, '"')
}

// needsEscape reports whether one of the eight bytes of x is a control
// character (below 0x20), a double quote or a backslash: the word tests
// of "Bit Twiddling Hacks" (hasless(x, 0x20), haszero(x ^ '"'), haszero(x
// ^ '\\')), exact for the word as a whole.
func needsEscape(x uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	less := (x - ones*0x20) &^ x
	quote := x ^ (ones * '"')
	backslash := x ^ (ones * '\\')
	return (less|(quote-ones)&^quote|(backslash-ones)&^backslash)&highs != 0
}

// load64 reads eight bytes of s as one little-endian word (the compiler
// makes it one load).
func load64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

func (w *jsonWriter) optStr(s *string) {
	if s == nil {
		w.null()
		return
	}
	w.str(*s)
}

func (w *jsonWriter) null() { w.buf = append(w.buf, "null"...) }

func (w *jsonWriter) int(n int) { w.buf = strconv.AppendInt(w.buf, int64(n), 10) }

func (w *jsonWriter) bool(b bool) { w.buf = strconv.AppendBool(w.buf, b) }

// date writes a Date as scalar.MarshalDate does (strconv.Quote of the
// layout: digits and dashes, nothing to escape).
func (w *jsonWriter) date(t *time.Time) {
	if t == nil {
		w.null()
		return
	}
	w.buf = append(w.buf, '"')
	w.buf = t.AppendFormat(w.buf, content.DateLayout)
	w.buf = append(w.buf, '"')
}

// dateTime writes a non-null DateTime as graphql.MarshalTime does; a zero
// time is null there, a field error gqlgen reports: not ok.
func (w *jsonWriter) dateTime(t time.Time) bool {
	if t.IsZero() {
		return false
	}
	w.buf = strconv.AppendQuote(w.buf, t.Format(time.RFC3339Nano))
	return true
}

func (w *jsonWriter) connection(c *model.ResourceConnection, p *plan) bool {
	w.buf = append(w.buf, '{')
	for i, f := range p.fields {
		w.key(i, f.Alias)
		switch f.Name {
		case "__typename":
			w.str(p.typeName)
		case "totalCount":
			w.int(c.TotalCount)
		case "countedAt":
			w.optStr(c.CountedAt)
		case "edges":
			w.buf = append(w.buf, '[')
			for j := range c.Edges {
				if j > 0 {
					w.buf = append(w.buf, ',')
				}
				if !w.edge(&c.Edges[j], p.subs[i][0]) {
					return false
				}
			}
			w.buf = append(w.buf, ']')
		case "pageInfo":
			if c.PageInfo == nil || !w.pageInfo(c.PageInfo, p.subs[i][0]) {
				return false
			}
		default:
			return false
		}
	}
	w.buf = append(w.buf, '}')
	return true
}

func (w *jsonWriter) edge(e *model.ResourceEdge, p *plan) bool {
	w.buf = append(w.buf, '{')
	for i, f := range p.fields {
		w.key(i, f.Alias)
		switch f.Name {
		case "__typename":
			w.str(p.typeName)
		case "cursor":
			w.str(e.Cursor)
		case "node":
			if e.Node == nil || !w.resource(e.Node, p.subs[i]) {
				return false
			}
		default:
			return false
		}
	}
	w.buf = append(w.buf, '}')
	return true
}

func (w *jsonWriter) pageInfo(pi *model.PageInfo, p *plan) bool {
	w.buf = append(w.buf, '{')
	for i, f := range p.fields {
		w.key(i, f.Alias)
		switch f.Name {
		case "__typename":
			w.str(p.typeName)
		case "hasNextPage":
			w.bool(pi.HasNextPage)
		case "hasPreviousPage":
			w.bool(pi.HasPreviousPage)
		case "startCursor":
			w.optStr(pi.StartCursor)
		case "endCursor":
			w.optStr(pi.EndCursor)
		default:
			return false
		}
	}
	w.buf = append(w.buf, '}')
	return true
}

// resourceFields is what every kind of resource answers (the model's base).
type resourceFields interface {
	model.Resource
	ID() string
	Slug() string
	Kind() content.Kind
	Status() content.Status
	Title() string
	Summary() *string
	Body() *string
	BodyHTML() *string
	Topics() []content.Topic
	Audiences() []content.Audience
	Nations() []content.Nation
	Language() string
	TranslationStatus() *string
	PublishedAt() *time.Time
	UpdatedAt() time.Time
	LastReviewedAt() *time.Time
	NextReviewDue() *time.Time
	URL(context.Context) string
	Withdrawal() *content.Withdrawal
	Revision() int
}

// resource writes a resource with the plan of its concrete type.
func (w *jsonWriter) resource(res model.Resource, plans []*plan) bool {
	var (
		obj resourceFields
		p   *plan
	)
	switch x := res.(type) {
	case model.GuidanceDocument:
		obj, p = x, plans[0]
	case *model.GuidanceDocument:
		obj, p = x, plans[0]
	case model.ResearchBrief:
		obj, p = x, plans[1]
	case *model.ResearchBrief:
		obj, p = x, plans[1]
	case model.PolicyPosition:
		obj, p = x, plans[2]
	case *model.PolicyPosition:
		obj, p = x, plans[2]
	default:
		return false
	}
	if obj == nil || obj.Content() == nil {
		return false
	}
	w.buf = append(w.buf, '{')
	for i, f := range p.fields {
		w.key(i, f.Alias)
		switch f.Name {
		case "__typename":
			w.str(p.typeName)
		case "id":
			w.str(obj.ID())
		case "slug":
			w.str(obj.Slug())
		case "kind":
			w.str(marshalNResourceKind2guidancehubᚋinternalᚋcontentᚐKind[obj.Kind()])
		case "status":
			w.str(marshalNResourceStatus2guidancehubᚋinternalᚋcontentᚐStatus[obj.Status()])
		case "title":
			w.str(obj.Title())
		case "summary":
			w.optStr(obj.Summary())
		case "body":
			w.optStr(obj.Body())
		case "bodyHTML":
			w.optStr(obj.BodyHTML())
		case "topics":
			w.buf = append(w.buf, '[')
			for j, t := range obj.Topics() {
				if j > 0 {
					w.buf = append(w.buf, ',')
				}
				w.topic(&t, p.subs[i][0])
			}
			w.buf = append(w.buf, ']')
		case "audiences":
			w.buf = append(w.buf, '[')
			for j, a := range obj.Audiences() {
				if j > 0 {
					w.buf = append(w.buf, ',')
				}
				w.str(marshalNAudience2guidancehubᚋinternalᚋcontentᚐAudience[a])
			}
			w.buf = append(w.buf, ']')
		case "nations":
			w.buf = append(w.buf, '[')
			for j, n := range obj.Nations() {
				if j > 0 {
					w.buf = append(w.buf, ',')
				}
				w.str(marshalNNation2guidancehubᚋinternalᚋcontentᚐNation[n])
			}
			w.buf = append(w.buf, ']')
		case "language":
			w.str(obj.Language())
		case "translationStatus":
			w.optStr(obj.TranslationStatus())
		case "publishedAt":
			w.date(obj.PublishedAt())
		case "updatedAt":
			if !w.dateTime(obj.UpdatedAt()) {
				return false
			}
		case "lastReviewedAt":
			w.date(obj.LastReviewedAt())
		case "nextReviewDue":
			w.date(obj.NextReviewDue())
		case "url":
			w.str(obj.URL(w.ctx))
		case "withdrawal":
			wd := obj.Withdrawal()
			if wd == nil {
				w.null()
			} else if !w.withdrawal(wd, p.subs[i][0]) {
				return false
			}
		case "revision":
			w.int(obj.Revision())
		default:
			return false
		}
	}
	w.buf = append(w.buf, '}')
	return true
}

func (w *jsonWriter) topic(t *content.Topic, p *plan) {
	w.buf = append(w.buf, '{')
	for i, f := range p.fields {
		w.key(i, f.Alias)
		switch f.Name {
		case "__typename":
			w.str(p.typeName)
		case "slug":
			w.str(t.Slug)
		case "name":
			w.str(t.Name)
		case "description":
			w.str(t.Description)
		}
	}
	w.buf = append(w.buf, '}')
}

func (w *jsonWriter) withdrawal(wd *content.Withdrawal, p *plan) bool {
	w.buf = append(w.buf, '{')
	for i, f := range p.fields {
		w.key(i, f.Alias)
		switch f.Name {
		case "__typename":
			w.str(p.typeName)
		case "reason":
			w.str(wd.Reason)
		case "withdrawnAt":
			if !w.dateTime(wd.WithdrawnAt) {
				return false
			}
		default:
			return false
		}
	}
	w.buf = append(w.buf, '}')
	return true
}
