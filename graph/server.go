package graph

import (
	"context"
	"log/slog"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"guidancehub/graph/model"
)

// NewServer builds the GraphQL handler: explicit transports (GET for
// queries, POST with JSON), a parsed-query cache, introspection, the error
// presenter, panic recovery and the query limits.
func NewServer(r *Resolver, limits Limits, log *slog.Logger) *handler.Server {
	cfg := Config{Resolvers: r}
	cfg.Directives.HasRole = hasRole
	setComplexity(&cfg.Complexity)
	es := NewExecutableSchema(cfg)
	objectsOnly(es.Schema())
	srv := handler.New(es)
	cache := inlineDefer{lru.New[*ast.QueryDocument](1000)}
	srv.AddTransport(transport.Options{})
	srv.AddTransport(httpTransport{schema: es.Schema(), cache: cache, trusted: r.Trusted})
	srv.SetQueryCache(cache)
	srv.SetParserTokenLimit(limits.Tokens)
	srv.SetValidationRulesFn(validationRules)
	srv.Use(extension.Introspection{})
	// Before the persisted queries: a document that is a syntax error is
	// never stored under its hash.
	srv.Use(sourceCheck{})
	if r.APQ == nil {
		r.APQ = NewPersistedQueries()
	}
	srv.Use(persistedQueries{extension.AutomaticPersistedQuery{Cache: r.APQ}})
	srv.Use(textCheck{})
	srv.Use(nullVariableCheck{})
	srv.Use(shapeLimit{limits})
	if r.UncachedComplexity {
		srv.Use(extension.FixedComplexityLimit(limits.Complexity))
	} else {
		srv.Use(newComplexityLimit(limits.Complexity))
	}
	d := direct{r: r, es: es.(*executableSchema)}
	if !r.UnrememberedPlans {
		d.known = lru.New[planned](1000)
	}
	srv.AroundRootFields(d.around)
	srv.SetErrorPresenter(presentError(log, es.Schema()))
	srv.SetRecoverFunc(recoverPanic(log))
	srv.AroundOperations(func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		if err := ctx.Err(); err != nil {
			// The request ended before the operation started: say so,
			// rather than answer with no data and no error.
			return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{stoppedError(err, nil)}})
		}
		return next(model.WithPublicURL(withLoaders(ctx, r.Reading), r.PublicURL))
	})
	return srv
}

// objectsOnly keeps only object types among each abstract type's possible
// types. gqlparser lists an interface that implements another (Resource
// implements Node) among the other's possible types, and introspection
// would show it in Node.possibleTypes, where the spec (§4.2, __Type
// possibleTypes) allows only object types. Fragment validation still finds
// the overlap through the object types both share.
func objectsOnly(s *ast.Schema) {
	objectsOnlyOnce.Do(func() { keepObjects(s) })
}

// objectsOnlyOnce: every executable schema shares one parsed schema.
var objectsOnlyOnce sync.Once

func keepObjects(s *ast.Schema) {
	for name, types := range s.PossibleTypes {
		kept := types[:0:0]
		for _, t := range types {
			if t.Kind == ast.Object {
				kept = append(kept, t)
			}
		}
		s.PossibleTypes[name] = kept
	}
}
