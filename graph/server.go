package graph

import (
	"context"
	"log/slog"

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
	srv := handler.New(NewExecutableSchema(cfg))
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	srv.SetParserTokenLimit(limits.Tokens)
	srv.Use(extension.Introspection{})
	srv.Use(shapeLimit{limits})
	srv.Use(extension.FixedComplexityLimit(limits.Complexity))
	srv.SetErrorPresenter(presentError(log))
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
