#!/usr/bin/env bash
# Applies the house format to the whole tree: Prettier (.prettierrc.json) for TypeScript, JavaScript,
# JSON and Markdown; clang-format (.clang-format) for the helpers' C in packages/*/native.
# `npm run format` runs this; `npm run format:check` checks both without writing.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--check" ]; then
  npx prettier --check .
  git ls-files -z 'packages/*/native/*.c' 'packages/*/native/*.h' | xargs -0 clang-format --dry-run --Werror
else
  npx prettier --write --log-level warn .
  git ls-files -z 'packages/*/native/*.c' 'packages/*/native/*.h' | xargs -0 clang-format -i
fi
