// schema-agree.js query: prints graphql-js's getIntrospectionQuery (every
// option on) as JSON text.
// schema-agree.js INTROSPECTION.json SCHEMA.graphql: builds one schema from
// an introspection answer ({"data": …}) and one from SDL, and prints
// {"introspection": SDL, "sdl": SDL, "changes": [...]} on standard output:
// both printed by printSchema after lexicographicSortSchema, and every
// breaking or dangerous change findBreakingChanges/findDangerousChanges
// report in either direction. Used by the root test that checks
// /schema.graphql prints what introspection shows.
'use strict';
const fs = require('fs');
const g = require('graphql');

const opts = { descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true };
const args = process.argv.slice(2);
if (args[0] === 'query') {
  process.stdout.write(JSON.stringify(g.getIntrospectionQuery(opts)));
  process.exit(0);
}
const intro = g.buildClientSchema(JSON.parse(fs.readFileSync(args[0], 'utf8')).data);
const sdl = g.buildSchema(fs.readFileSync(args[1], 'utf8'));
const changes = [];
for (const [a, b, dir] of [[intro, sdl, 'introspection→sdl'], [sdl, intro, 'sdl→introspection']]) {
  for (const c of g.findBreakingChanges(a, b)) changes.push({ direction: dir, kind: 'breaking', type: c.type, description: c.description });
  for (const c of g.findDangerousChanges(a, b)) changes.push({ direction: dir, kind: 'dangerous', type: c.type, description: c.description });
}
const print = (s) => g.printSchema(g.lexicographicSortSchema(s));
process.stdout.write(JSON.stringify({ introspection: print(intro), sdl: print(sdl), changes }));
