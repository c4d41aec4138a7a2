#!/usr/bin/env bash
# Benchmarks (Release build): writes one JSON result per benchmark under artifacts/bench/.
#   ./scripts/bench.sh                 all benchmarks, full size
#   ./scripts/bench.sh --quick         smaller inputs, for a fast look
#   ./scripts/bench.sh NAME [NAME …]   only these (./scripts/bench.sh --list names them)
#   ./scripts/bench.sh --report        docs/benchmark-results.md and the README's targets, from the JSON results
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
dotnet build tests/TopUpSpark.Bench -c Release -warnaserror -v quiet -nologo
case " $* " in
  *" --report "*|*" --list "*|*" --help "*) ;;
  # The job runs as spark-submit.sh runs it: published, its libraries precompiled.
  *) publish_program spark-job
     # api-ingest and api-lookup drive topup-api with Apache Bench over a redis-server of their own.
     ensure_command ab apache2-utils
     ensure_command redis-server redis-server ;;
esac
exec dotnet tests/TopUpSpark.Bench/bin/Release/net10.0/TopUpSpark.Bench.dll "$@"
