#!/usr/bin/env bash
# Writes synthetic course data: customer.csv, bureau.csv and true-probability.csv (docs/data-generator.md).
#   ./scripts/generate-data.sh                          128,655 customers, seed 1, into data/
#   ./scripts/generate-data.sh --customers 5000 --seed 7 --out /tmp/small
# Flags: ./scripts/generate-data.sh --help
set -euo pipefail
source "$(dirname "$0")/lib.sh"
build_programs producer
# Default folder: the repository's data/ (a --out flag or the variable overrides it).
export TOPUP_GEN_OUT="${TOPUP_GEN_OUT:-$REPO_ROOT/data}"
exec dotnet "$(program_dll producer topup-producer)" generate "$@"
