// negotiate.js ACCEPTS.json: for each Accept header value of the JSON
// array, prints the media type the negotiator package (Express's content
// negotiation, RFC 9110 12.5.1 precedence) prefers among the two the hub
// writes, listed application/json first, or null when neither is
// acceptable, as a JSON array in the same order. Used by the root test
// TestAcceptAgreesWithNegotiator.
'use strict';
const fs = require('fs');
const Negotiator = require('negotiator');

const available = ['application/json; charset=utf-8', 'application/graphql-response+json; charset=utf-8'];
const out = JSON.parse(fs.readFileSync(process.argv[2], 'utf8')).map((accept) => {
  const best = new Negotiator({ headers: { accept } }).mediaType(available);
  return best === undefined ? null : best;
});
process.stdout.write(JSON.stringify(out));
