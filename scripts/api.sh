#!/usr/bin/env bash
# Starts topup-api (http://127.0.0.1:8080 by default) until Ctrl-C: POST /v1/customers and /v1/bureau into Kafka
# (the running embedded broker unless --bootstrap-servers), GET /v1/customers/{id}/prediction and /v1/windows/latest
# from Redis (--redis HOST:PORT, default 127.0.0.1:6379: the Redis the job writes to with its --redis).
# Flags: see --help; 'example --csv data/customer.csv' prints a row as a JSON event to post.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
build_program api
exec dotnet "$(program_dll api topup-api)" "$@"
