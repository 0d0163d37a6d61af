// Starts GraphiQL against this hub's /graphql. Served by the hub itself.
(function () {
  var defaultQuery = [
    '# Guidance Hub: published guidance, research briefs and policy positions.',
    '{',
    '  resources(first: 5) {',
    '    totalCount',
    '    edges { node { kind slug title summary lastReviewedAt url } }',
    '    pageInfo { hasNextPage endCursor }',
    '  }',
    '}',
    ''
  ].join('\n');
  var fetcher = GraphiQL.createFetcher({ url: window.location.origin + '/graphql' });
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(React.createElement(GraphiQL, { fetcher: fetcher, defaultQuery: defaultQuery }));
})();
