#!/usr/bin/env bash
# Runs the producer (course Task 1) against the running embedded broker, or --bootstrap-servers.
#   ./scripts/produce.sh                       every 5 s, 10-30 customers from data/
#   ./scripts/produce.sh --replay --stop-at-end   everything once, as fast as possible
# Flags: ./scripts/produce.sh --help (docs/producer.md)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
build_programs producer
# Default folder: the repository's data/ (a --data flag or the variable overrides it).
export TOPUP_DATA_DIR="${TOPUP_DATA_DIR:-$REPO_ROOT/data}"
exec dotnet "$(program_dll producer topup-producer)" "$@"
