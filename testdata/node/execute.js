// execute.js INPUT.json, where INPUT is {"schema": FILE, "requests": [...]}:
// runs each {query, variables} of requests with graphql-js's execute on the schema built from the SDL
// file, every field answering a sample of its type, and prints, in
// the same order, the messages of the errors graphql-js raises about
// argument and variable values (those starting 'Argument "' or
// 'Variable "'), as a JSON array of arrays. The root test
// TestNullVariablesAgreeWithGraphQLJS compares them with the hub's
// INVALID_ARGUMENT answers.
'use strict';
const fs = require('fs');
const g = require('graphql');

const input = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const schema = g.buildSchema(fs.readFileSync(input.schema, 'utf8'));
// Every field resolves to a value of its type (an object, one list item, a
// sample scalar), so that directives and arguments below it are reached.
const sample = (t) => {
  if (g.isEnumType(t)) return t.getValues()[0].value;
  return { Int: 1, Float: 1, Boolean: true, String: 'x', ID: 'x' }[t.name] ?? '2026-01-01';
};
const fieldResolver = (src, args, ctx, info) => {
  let t = g.getNullableType(info.returnType);
  const one = (n) => (g.isLeafType(n) ? sample(n) : {});
  return g.isListType(t) ? [one(g.getNamedType(t))] : one(t);
};
const typeResolver = (value, ctx, info, abstractType) => schema.getPossibleTypes(abstractType)[0].name;
const out = input.requests.map(({ query, variables }) => {
  const res = g.execute({ schema, document: g.parse(query), variableValues: variables, fieldResolver, typeResolver });
  return (res.errors || []).map((e) => e.message).filter((m) => m.startsWith('Argument "') || m.startsWith('Variable "'));
});
process.stdout.write(JSON.stringify(out));
