#!/usr/bin/env bash
# spark-submit for the TopUp job. It launches the job on TopUpSpark's EMBEDDED micro-batch engine in
# this machine's .NET runtime — not on an Apache Spark cluster (none can be installed here).
#
#   ./spark-submit.sh [spark options] [--] [job flags]
#
# Spark options understood:
#   --master local | local[N] | local[*]   threads of work (the job's --cores); other masters fail
#   --name NAME                             application name (--app-name)
#   --conf spark.sql.session.timeZone=UTC   accepted; any other time zone fails (everything is UTC)
#   --conf spark.sql.streaming.checkpointLocation=DIR   the job's --checkpoint
#   --conf spark.topup.<flag>=VALUE         any job flag, e.g. spark.topup.trigger=available-now
#   --deploy-mode client                    accepted; cluster fails
#   --packages/--jars/--py-files/--driver-memory/--executor-memory … accepted and ignored, with a note
# Everything after "--" (or any argument not listed above) goes to the job unchanged; see --help of the job.
set -euo pipefail
source "$(dirname "$0")/scripts/lib.sh"

fail() { echo "spark-submit.sh: $*" >&2; echo "See docs/running.md for how TopUpSpark runs (embedded engine, no cluster backend)." >&2; exit 2; }
note() { echo "spark-submit.sh: $*" >&2; }

job_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --master)
      master="${2:-}"; shift 2
      case "$master" in
        local) job_args+=(--cores 1) ;;
        "local[*]") job_args+=(--cores "$(nproc)") ;;
        local\[[0-9]*\]) n="${master#local[}"; job_args+=(--cores "${n%]}") ;;
        yarn|yarn-*|spark://*|k8s://*|mesos://*) fail "master '$master' is a cluster: TopUpSpark has no Apache Spark cluster backend; use --master local[N]" ;;
        *) fail "unknown master '$master'; use local[N]" ;;
      esac ;;
    --name) job_args+=(--app-name "$2"); shift 2 ;;
    --deploy-mode)
      [ "${2:-}" = "client" ] || fail "--deploy-mode ${2:-} is not supported: the job runs in this process (client mode)"
      shift 2 ;;
    --conf)
      kv="${2:-}"; shift 2
      key="${kv%%=*}"; value="${kv#*=}"
      [ "$key" != "$kv" ] || fail "--conf expects key=value, got '$kv'"
      case "$key" in
        spark.sql.session.timeZone)
          case "$value" in UTC|Etc/UTC|GMT|Z) ;; *) fail "spark.sql.session.timeZone=$value: TopUpSpark keeps every time in UTC" ;; esac ;;
        spark.sql.streaming.checkpointLocation) job_args+=(--checkpoint "$value") ;;
        spark.app.name) job_args+=(--app-name "$value") ;;
        spark.master) fail "set the master with --master local[N]" ;;
        spark.topup.*) job_args+=("--${key#spark.topup.}" "$value") ;;
        spark.driver.*|spark.executor.*|spark.ui.*|spark.sql.shuffle.partitions|spark.serializer|spark.jars.*)
          note "ignoring --conf $key (no meaning for the embedded engine)" ;;
        *) fail "--conf $key is not known to the embedded engine (job settings go as spark.topup.<flag>=value)" ;;
      esac ;;
    --packages|--jars|--py-files|--files|--driver-memory|--executor-memory|--num-executors|--executor-cores|--class)
      note "ignoring $1 ${2:-} (Kafka support and the model runtime are built in)"; shift 2 ;;
    --help|-h) sed -n '2,20p' "$0"; echo; publish_program spark-job; exec dotnet "$(published_dll spark-job topup-job)" --help ;;
    --) shift; job_args+=("$@"); break ;;
    *.dll|*.jar|*.py|spark-job|spark-job/) note "application '$1' is implied: running the TopUp job"; shift ;;
    *) job_args+=("$1"); shift ;;
  esac
done

publish_program spark-job
note "running the TopUp job on the embedded engine (not an Apache Spark cluster): ${job_args[*]:-}"
exec dotnet "$(published_dll spark-job topup-job)" "${job_args[@]}"
