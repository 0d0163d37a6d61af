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
      inputValue: function (s) { return s ? s.title : '' },
      suggestion: function (s) {
        if (typeof s === 'string') return escapeHTML(s)
        return '<span lang="' + escapeHTML(s.lang) + '" dir="' + escapeHTML(s.dir) + '">' + escapeHTML(s.title) + '</span> <span class="hub-suggest-kind">' + escapeHTML(s.kindName) + '</span>'
      }
    },
    onConfirm: function (s) {
      if (s && s.url) window.location.assign(s.url)
    }
  })
  var field = document.getElementById('q')
  if (field) {
    field.setAttribute('type', 'search')
    field.setAttribute('spellcheck', 'true')
    field.setAttribute('maxlength', '256')
    if (describedBy) {
      var own = field.getAttribute('aria-describedby')
      field.setAttribute('aria-describedby', own ? own + ' ' + describedBy : describedBy)
    }
    // Enter with no completion chosen searches for what was typed.
    field.addEventListener('keydown', function (e) {
      if (e.key === 'Enter' && !document.querySelector('.autocomplete__option--focused') && form) {
        e.preventDefault()
        form.requestSubmit ? form.requestSubmit() : form.submit()
      }
    })
  }
}())
