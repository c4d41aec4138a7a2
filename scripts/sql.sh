#!/usr/bin/env bash
# DuckDB SQL over the streaming job's results: ./scripts/sql.sh [--out DIR] [--csv|--json] ["SELECT …"]
# Views joined and predictions (the parquet outputs of --out), topup_by_state and dead_letters (from Kafka,
# when it is given or the embedded broker runs). Without a query, a prompt. Flags: see --help.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
build_programs analytics
exec dotnet "$(program_dll analytics topup-sql)" "$@"
