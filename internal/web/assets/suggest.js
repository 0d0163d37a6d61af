// Completions in the search box as the reader types, through
// accessible-autocomplete (GOV.UK's, which announces results to screen
// readers). Without JavaScript the box is a plain search field. Choosing a
// completion opens that resource; pressing Enter without choosing one
// searches for the words typed.
(function () {
  'use strict'
  var container = document.getElementById('q-container')
  var input = document.getElementById('q')
  if (!container || !input || !window.accessibleAutocomplete || !window.fetch) return
  var endpoint = container.getAttribute('data-suggest')
  var form = input.form
  var value = input.value
  var describedBy = input.getAttribute('aria-describedby')
  var pending = null
  var byTitle = {}

  function escapeHTML (s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]
    })
  }

  function source (query, populate) {
    if (pending) pending.abort()
    pending = new AbortController()
    window.fetch(endpoint + '?q=' + encodeURIComponent(query), { signal: pending.signal, headers: { Accept: 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : [] })
      .then(function (list) {
        list.forEach(function (s) { byTitle[s.title] = s })
        populate(list)
      })
      .catch(function () { populate([]) })
  }

  // One submission per page: a second (an Enter that both the widget and
  // the browser act on) would cancel the first's navigation.
  var submitted = false
  if (form) {
    form.addEventListener('submit', function (e) {
      if (submitted) e.preventDefault()
      submitted = true
    })
    window.addEventListener('pageshow', function () { submitted = false })
  }

  container.removeChild(input)
  window.accessibleAutocomplete({
    element: container,
    id: 'q',
    name: 'q',
    defaultValue: value,
    minLength: 2,
    autoselect: false,
    confirmOnBlur: false,
    showNoOptionsFound: false,
    displayMenu: 'overlay',
    source: source,
    templates: {
      inputValue: function (s) { return s && typeof s === 'object' ? String(s.title || '') : String(s || '') },
      suggestion: function (s) {
        if (typeof s === 'string') return escapeHTML(s)
        return '<span lang="' + escapeHTML(s.lang) + '" dir="' + escapeHTML(s.dir) + '">' + escapeHTML(s.title) + '</span> <span class="hub-suggest-kind">' + escapeHTML(s.kindName) + '</span>'
      }
    },
    onConfirm: function (s) {
      if (s && s.url) {
        submitted = true // the page is leaving: no search on top
        window.location.assign(s.url)
      }
    }
  })
  var field = document.getElementById('q')
  if (field) {
    field.setAttribute('type', 'search')
    field.setAttribute('spellcheck', 'true')
    // The box as served has dir="auto": Arabic, Persian and Urdu searches
    // are laid out right to left (breaker5 F30: the enhanced box lost it).
    field.setAttribute('dir', 'auto')
    if (describedBy) {
      var own = field.getAttribute('aria-describedby')
      field.setAttribute('aria-describedby', own ? own + ' ' + describedBy : describedBy)
    }
    // Enter with the menu open and no completion chosen: the widget keeps
    // the key to itself, so search for the words typed.
    field.addEventListener('keydown', function (e) {
      if (e.key === 'Enter' && form && document.querySelector('.autocomplete__menu--visible') && !document.querySelector('.autocomplete__option--focused')) {
        e.preventDefault()
        form.requestSubmit ? form.requestSubmit() : form.submit()
      }
    })
  }
}())
