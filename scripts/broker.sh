#!/usr/bin/env bash
# Starts the embedded Kafka (librdkafka's mock cluster, in memory, 127.0.0.1) and keeps it running
# until Ctrl-C. Other programs find it through the announcement file. Flags: see --help.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
build_programs broker
exec dotnet "$(program_dll broker topup-broker)" "$@"
