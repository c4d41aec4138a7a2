#!/usr/bin/env bash
# kcat-style look at Kafka topics (the embedded broker, or --bootstrap-servers):
# ./scripts/kafka.sh topics | tail TOPIC [--from-beginning] [--limit N] | count TOPIC. Flags: see --help.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
build_programs analytics
exec dotnet "$(program_dll analytics topup-sql)" kafka "$@"
