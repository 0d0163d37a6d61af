// validate.js SCHEMA.graphql DOCUMENTS.json: for each GraphQL document of
// the JSON array of strings, prints what graphql-js makes of it, as a JSON
// array in the same order: {"kind": "parse", "message": …} for a syntax
// error (parse), {"kind": "validate", "message": …} for a document that
// fails validate() against the schema built from the SDL file, else
// {"kind": "ok"}. The root test TestDocumentErrorsAgreeWithGraphQLJS
// compares the hub's answers (GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED,
// or an answer with data) with these.
'use strict';
const fs = require('fs');
const g = require('graphql');

const [schemaFile, docsFile] = process.argv.slice(2);
const schema = g.buildSchema(fs.readFileSync(schemaFile, 'utf8'));
const out = JSON.parse(fs.readFileSync(docsFile, 'utf8')).map((src) => {
  let doc;
  try {
    doc = g.parse(src);
  } catch (e) {
    return { kind: 'parse', message: e.message };
  }
  const errs = g.validate(schema, doc);
  if (errs.length > 0) return { kind: 'validate', message: errs[0].message };
  return { kind: 'ok' };
});
process.stdout.write(JSON.stringify(out));
