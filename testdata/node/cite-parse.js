// cite-parse.js FILE...: parses each RIS (.ris) or BibTeX (.bib) file with
// Citation.js and prints {"FILE": [CSL-JSON items], ...} on standard output.
// Used by internal/citation's round-trip test as an independent parser.
'use strict';
const fs = require('fs');
const { plugins } = require('@citation-js/core');
require('@citation-js/plugin-ris');
require('@citation-js/plugin-bibtex');

const out = {};
for (const file of process.argv.slice(2)) {
  const text = fs.readFileSync(file, 'utf8');
  const type = file.endsWith('.ris') ? '@ris/file' : '@biblatex/text';
  out[file] = plugins.input.chain(text, { forceType: type, generateGraph: false });
}
process.stdout.write(JSON.stringify(out));
