// schema-check.js OLD.graphql NEW.graphql: compares two schemas with
// graphql-js's findBreakingChanges and prints a JSON report on standard
// output: {"breaking": [...], "allowed": [...]}, each item {type,
// description}. A removal (of a field, argument or enum value) is allowed
// only when OLD already marks it @deprecated; every other breaking change
// is reported under "breaking". Exits 1 when "breaking" is not empty, 2 on
// a schema that does not parse or validate.
'use strict';
const fs = require('fs');
const { buildSchema, findBreakingChanges, BreakingChangeType, isObjectType, isInterfaceType, isInputObjectType, isEnumType } = require('graphql');

function load(file) {
  try {
    return buildSchema(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    process.stderr.write(`${file}: ${e.message}\n`);
    process.exit(2);
  }
}

const [oldFile, newFile] = process.argv.slice(2);
const oldSchema = load(oldFile);
const newSchema = load(newFile);

// deprecated reports whether the old schema marks the removed element
// @deprecated, reading the element's coordinates from the description
// graphql-js writes for each kind of removal.
function deprecated(change) {
  let m;
  switch (change.type) {
    case BreakingChangeType.FIELD_REMOVED:
      m = /^(\w+)\.(\w+) was removed\.$/.exec(change.description);
      if (m) {
        const t = oldSchema.getType(m[1]);
        if (isObjectType(t) || isInterfaceType(t) || isInputObjectType(t)) {
          const f = t.getFields()[m[2]];
          return !!(f && f.deprecationReason != null);
        }
      }
      return false;
    case BreakingChangeType.VALUE_REMOVED_FROM_ENUM:
      m = /^(\w+) was removed from enum type (\w+)\.$/.exec(change.description);
      if (m) {
        const t = oldSchema.getType(m[2]);
        if (isEnumType(t)) {
          const v = t.getValue(m[1]);
          return !!(v && v.deprecationReason != null);
        }
      }
      return false;
    case BreakingChangeType.ARG_REMOVED:
      m = /^(\w+)\.(\w+) arg (\w+) was removed\.$/.exec(change.description);
      if (m) {
        const t = oldSchema.getType(m[1]);
        if (isObjectType(t) || isInterfaceType(t)) {
          const f = t.getFields()[m[2]];
          const a = f && f.args.find((a) => a.name === m[3]);
          return !!(a && a.deprecationReason != null);
        }
      }
      return false;
  }
  return false;
}

const report = { breaking: [], allowed: [] };
for (const c of findBreakingChanges(oldSchema, newSchema)) {
  (deprecated(c) ? report.allowed : report.breaking).push({ type: c.type, description: c.description });
}
process.stdout.write(JSON.stringify(report, null, 2) + '\n');
process.exit(report.breaking.length ? 1 : 0);
