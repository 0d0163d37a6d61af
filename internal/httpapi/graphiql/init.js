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

// No keyboard trap (WCAG 2.1.2): GraphiQL's editors (CodeMirror 5) keep Tab
// for indenting. As CodeMirror 6 does, Esc then Tab (or Shift+Tab) moves
// the focus out of the editor to the next (or previous) control.
(function () {
  var escaped = false
  var focusable = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])'
  document.addEventListener('keydown', function (e) {
    var editor = e.target && e.target.closest ? e.target.closest('.CodeMirror') : null
    if (!editor) { escaped = false; return }
    if (e.key === 'Escape') { escaped = true; return }
    if (e.key !== 'Tab' || !escaped) { escaped = false; return }
    escaped = false
    e.preventDefault()
    e.stopPropagation()
    var all = Array.prototype.filter.call(document.querySelectorAll(focusable), function (el) {
      return el.getClientRects().length > 0 && (!editor.contains(el) || el === e.target)
    })
    var i = all.indexOf(e.target)
    var next = all[i + (e.shiftKey ? -1 : 1)]
    if (next) next.focus()
  }, true)
})();
