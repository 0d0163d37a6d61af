// Guidance Hub: starts the NHS.UK frontend's components and, on small
// screens, folds the search filters away behind their summary (they stay
// open without JavaScript, and on wide screens).
import { initAll } from '/assets/vendor/nhsuk-frontend.min.js'

document.documentElement.classList.remove('no-js')
document.documentElement.classList.add('js-enabled')
document.body.classList.add('js-enabled', 'nhsuk-frontend-supported')
initAll()

const filters = document.getElementById('filters')
if (filters && window.matchMedia('(max-width: 40.0625em)').matches) {
  filters.open = false
}
