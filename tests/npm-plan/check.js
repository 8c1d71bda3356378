// Checks the EditPlan JSON Schema with a real validator (ajv, draft 2020-12).
// usage: node check.js SCHEMA STRICT_SCHEMA VALID_DIR INVALID_DIR TABLE NORMALIZED_DIR
// Prints "ok ..." / "not ok ..." lines and exits non-zero on any failure.
'use strict';
const fs = require('fs');
const path = require('path');
const Ajv2020 = require('ajv/dist/2020');

const [schemaFile, strictFile, validDir, invalidDir, tableFile, normDir] = process.argv.slice(2);
let failures = 0;
const ok = (cond, what, detail) => {
  if (cond) return;
  failures++;
  console.log(`not ok - ${what}${detail ? ': ' + detail : ''}`);
};
const load = (f) => JSON.parse(fs.readFileSync(f, 'utf8'));
const jsonFiles = (d) => fs.readdirSync(d).filter((f) => f.endsWith('.json')).sort();

// strict: true makes ajv itself refuse unknown keywords and dubious schemas.
const ajv = new Ajv2020({ strict: true, allErrors: true });
const schema = load(schemaFile);
const validate = ajv.compile(schema);

let n = 0;
for (const f of jsonFiles(validDir)) {
  const good = validate(load(path.join(validDir, f)));
  ok(good, `valid plan ${f} passes the schema`, JSON.stringify(validate.errors));
  n++;
}
ok(n > 0, 'there are valid plans');

const table = fs.readFileSync(tableFile, 'utf8').split('\n')
  .filter((l) => l && !l.startsWith('#')).map((l) => l.split('\t'));
let structural = 0, semantic = 0;
for (const [file, , , kind] of table) {
  const doc = load(path.join(invalidDir, file));
  const accepted = validate(doc);
  if (kind === 'schema') {
    ok(!accepted, `invalid plan ${file} is rejected by the schema`);
    structural++;
  } else {
    ok(kind === 'semantic', `${file}: kind is schema or semantic`, kind);
    ok(accepted, `semantic defect ${file} passes the schema (only the validator sees it)`,
       JSON.stringify(validate.errors));
    semantic++;
  }
}
ok(jsonFiles(invalidDir).length === table.length, 'every invalid plan is in the table',
   `${jsonFiles(invalidDir).length} files, ${table.length} rows`);
ok(table.length >= 40, 'at least 40 invalid plans');

// The strict variant: what OpenAI structured outputs accept.
const strict = load(strictFile);
const allowed = new Set(['type', 'properties', 'required', 'additionalProperties', 'items',
  'anyOf', 'enum', '$ref', '$defs', 'description', 'minimum', 'maximum', 'exclusiveMinimum',
  'exclusiveMaximum', 'multipleOf', 'pattern', 'minItems', 'maxItems']);
const walk = (s, where) => {
  if (typeof s !== 'object' || s === null) return;
  for (const k of Object.keys(s)) ok(allowed.has(k), `strict schema keyword ${k} at ${where}`);
  const types = [].concat(s.type || []);
  if (types.includes('object') || s.properties) {
    ok(s.additionalProperties === false, `strict: additionalProperties false at ${where}`);
    const keys = Object.keys(s.properties || {}).sort();
    ok(JSON.stringify((s.required || []).slice().sort()) === JSON.stringify(keys),
       `strict: every property required at ${where}`);
  }
  for (const [k, v] of Object.entries(s.properties || {})) walk(v, `${where}.properties.${k}`);
  for (const [k, v] of Object.entries(s.$defs || {})) walk(v, `${where}.$defs.${k}`);
  if (s.items) walk(s.items, `${where}.items`);
  (s.anyOf || []).forEach((v, i) => walk(v, `${where}.anyOf[${i}]`));
};
walk(strict, '#');
ok(strict.type === 'object' && !strict.anyOf, 'strict: the root is an object');
const ajv2 = new Ajv2020({ strict: true, allErrors: true });
const validateStrict = ajv2.compile(strict);
let m = 0;
for (const f of jsonFiles(normDir)) {
  const doc = load(path.join(normDir, f));
  delete doc.assets;
  ok(validateStrict(doc), `normalized ${f} passes the strict schema`,
     JSON.stringify(validateStrict.errors));
  // and the plain schema
  ok(validate(doc), `normalized ${f} passes the schema`, JSON.stringify(validate.errors));
  m++;
}
ok(m > 0, 'there are normalized plans');
console.log(`# schema: ${n} valid, ${structural} structural and ${semantic} semantic invalid, ` +
            `${m} normalized; ${failures} failures`);
process.exit(failures ? 1 : 0);
