#!/bin/sh
# Differential check of core's Go-template evaluator against Go's own text/template with Docker's function
# map (needs `go`, e.g. Debian's golang-go, and a built core: `npx tsc -p packages/core`). Not part of the
# test suite because Go is not a dependency of the project; run it after changing go-template.ts.
# Expected differences come from the data, not the evaluator: Go sorts map keys in json (Docker's structs
# keep field order), Go's JSON-decoded nulls print "<no value>", join needs []string, and range over an
# integer is Go 1.22+.
set -e
dir=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
node "$dir/cases.js" > "$tmp/cases.json"
(cd "$dir" && GO111MODULE=off GOCACHE="$tmp/cache" go build -o "$tmp/parity" main.go)
"$tmp/parity" < "$tmp/cases.json" > "$tmp/go.json"
node "$dir/mine.js" "$tmp/cases.json" > "$tmp/mine.json"
node "$dir/compare.js" "$tmp/cases.json" "$tmp/go.json" "$tmp/mine.json"
