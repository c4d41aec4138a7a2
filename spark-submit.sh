#!/usr/bin/env bash
# spark-submit for the TopUp job. It launches the job on TopUpSpark's EMBEDDED micro-batch engine in
# this machine's .NET runtime — not on an Apache Spark cluster (none can be installed here).
#
#   ./spark-submit.sh [spark options] [--] [job flags]
#
# Spark options understood:
#   --master local | local[N] | local[*]   threads of work (the job's --cores; N at least 1); other masters fail
#   --name NAME                             application name (--app-name)
#   --conf spark.sql.session.timeZone=UTC   accepted; any other time zone fails (everything is UTC)
#   --conf spark.sql.streaming.checkpointLocation=DIR   the job's --checkpoint
#   --conf spark.topup.<flag>=VALUE         any job flag, e.g. spark.topup.trigger=available-now
#   --conf spark.ui.port=N | spark.ui.enabled=false   the job's streaming UI (--ui-port, --no-ui); default 127.0.0.1:4040
#   --deploy-mode client                    accepted; cluster fails
#   --packages/--jars/--py-files/--driver-memory/--executor-memory … accepted and ignored, with a note
# Everything after "--" (or any argument not listed above) goes to the job unchanged; see --help of the job.
# The job's command line is printed to stderr with secret Kafka settings (passwords, keys, tokens) as ***;
# still, pass credentials in a --kafka-config file: a command line shows in process listings.
# The job is published into $TOPUP_PUBLISH_DIR/spark-job (default artifacts/publish/spark-job) first;
# TOPUP_SKIP_PUBLISH=1 runs what is already published there (scripts/lib.sh).
set -euo pipefail
source "$(dirname "$0")/scripts/lib.sh"

fail() { echo "spark-submit.sh: $*" >&2; echo "See docs/running.md for how TopUpSpark runs (embedded engine, no cluster backend)." >&2; exit 2; }
note() { echo "spark-submit.sh: $*" >&2; }

# need_value OPTION [VALUE…] : the option's value must follow it
need_value() { [ $# -ge 2 ] || fail "$1 needs a value"; }

# is_secret_key KEY : whether a librdkafka setting holds a secret; the rules of SecretSettings.IsSecret
# (core/TopUpSpark.Core/Kafka/SecretSettings.cs): any case, '_' or '-' for '.'
is_secret_key() {
  local key="${1,,}"
  key="${key//[[:space:]]/}"; key="${key//_/.}"; key="${key//-/.}"
  case "$key" in
    *password*|*secret*|ssl.key|ssl.key.*|ssl.keystore.key|sasl.oauthbearer.*|sasl.jaas.config) return 0 ;;
    *) return 1 ;;
  esac
}

# redact_entry KEY=VALUE : the entry as it may be printed (SecretSettings.RedactEntry)
redact_entry() {
  local entry=$1 key
  if [[ "$entry" == *=* ]]; then
    key="${entry%%=*}"
    if [ -z "${key//[[:space:]]/}" ] || is_secret_key "$key"; then echo "$key=***"; else echo "$entry"; fi
  elif is_secret_key "$entry" && [[ ! "$entry" =~ ^[A-Za-z0-9._-]+$ ]]; then
    echo "***"
  else
    echo "$entry"
  fi
}

# printable_args ARG… : the job's arguments with every secret --kafka value as *** (also the argument after
# a bare "--kafka sasl.password", which is where its value went) — SecretSettings.ValuesIn's rules
printable_args() {
  local printed=() expect=argument arg entry
  for arg in "$@"; do
    if [ "$expect" = secret ]; then
      expect=argument
      if [[ "$arg" != --* ]]; then printed+=("***"); continue; fi
    fi
    case "$expect" in
      entry) entry=$arg; printed+=("$(redact_entry "$entry")") ;;
      *)
        case "$arg" in
          --kafka) printed+=("$arg"); expect=entry; continue ;;
          --kafka=*) entry=${arg#--kafka=}; printed+=("--kafka=$(redact_entry "$entry")") ;;
          *) printed+=("$arg"); continue ;;
        esac ;;
    esac
    expect=argument
    if [[ "$entry" =~ ^[A-Za-z0-9._-]+$ ]] && is_secret_key "$entry"; then expect=secret; fi
  done
  echo "${printed[*]}"
}

job_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --master)
      need_value "$@"; master=$2; shift 2
      case "$master" in
        local) job_args+=(--cores 1) ;;
        "local[*]") job_args+=(--cores "$(nproc)") ;;
        local\[*\])
          n="${master#local[}"; n="${n%]}"
          [[ "$n" =~ ^0*[1-9][0-9]*$ ]] || fail "--master $master: N in local[N] must be a whole number of at least 1, or *"
          job_args+=(--cores "$n") ;;
        yarn|yarn-*|spark://*|k8s://*|mesos://*) fail "master '$master' is a cluster: TopUpSpark has no Apache Spark cluster backend; use --master local[N]" ;;
        *) fail "unknown master '$master'; use local[N]" ;;
      esac ;;
    --name) need_value "$@"; job_args+=(--app-name "$2"); shift 2 ;;
    --deploy-mode)
      need_value "$@"
      [ "$2" = "client" ] || fail "--deploy-mode $2 is not supported: the job runs in this process (client mode)"
      shift 2 ;;
    --conf)
      need_value "$@"; kv=$2; shift 2
      key="${kv%%=*}"; value="${kv#*=}"
      [ "$key" != "$kv" ] || fail "--conf expects key=value, got '$(redact_entry "$kv")'"
      case "$key" in
        spark.sql.session.timeZone)
          case "$value" in UTC|Etc/UTC|GMT|Z) ;; *) fail "spark.sql.session.timeZone=$value: TopUpSpark keeps every time in UTC" ;; esac ;;
        spark.sql.streaming.checkpointLocation) job_args+=(--checkpoint "$value") ;;
        spark.app.name) job_args+=(--app-name "$value") ;;
        spark.master) fail "set the master with --master local[N]" ;;
        spark.topup.*) job_args+=("--${key#spark.topup.}" "$value") ;;
        spark.ui.enabled)
          case "${value,,}" in true) ;; false) job_args+=(--no-ui) ;; *) fail "spark.ui.enabled=$value: true or false" ;; esac ;;
        spark.ui.port) job_args+=(--ui-port "$value") ;;
        spark.driver.*|spark.executor.*|spark.ui.*|spark.sql.shuffle.partitions|spark.serializer|spark.jars.*)
          note "ignoring --conf $key (no meaning for the embedded engine)" ;;
        *) fail "--conf $key is not known to the embedded engine (job settings go as spark.topup.<flag>=value)" ;;
      esac ;;
    --packages|--jars|--py-files|--files|--driver-memory|--executor-memory|--num-executors|--executor-cores|--class)
      need_value "$@"; note "ignoring $1 $2 (Kafka support and the model runtime are built in)"; shift 2 ;;
    --help|-h) usage_from_header "$0"; echo; echo "The job's flags:"; publish_program spark-job; exec dotnet "$(published_dll spark-job topup-job)" --help ;;
    --) shift; job_args+=("$@"); break ;;
    *.dll|*.jar|*.py|spark-job|spark-job/) note "application '$1' is implied: running the TopUp job"; shift ;;
    *) job_args+=("$1"); shift ;;
  esac
done

# ui_address : where the job's streaming UI will be, as its flags (or their variables) say; empty with --no-ui
ui_address() {
  local host=${TOPUP_UI_HOST:-127.0.0.1} port=${TOPUP_UI_PORT:-4040} off=${TOPUP_NO_UI:-false} i
  for ((i = 0; i < ${#job_args[@]}; i++)); do
    case "${job_args[i]}" in
      --no-ui) off=true; if [[ "${job_args[i+1]:-}" =~ ^(true|false)$ ]]; then off=${job_args[i+1]}; fi ;;
      --no-ui=*) off=${job_args[i]#--no-ui=} ;;
      --ui-port) port=${job_args[i+1]:-$port} ;;
      --ui-port=*) port=${job_args[i]#--ui-port=} ;;
      --ui-host) host=${job_args[i+1]:-$host} ;;
      --ui-host=*) host=${job_args[i]#--ui-host=} ;;
    esac
  done
  [ "${off,,}" = true ] || echo "http://$host:$port/"
}

publish_program spark-job
note "running the TopUp job on the embedded engine (not an Apache Spark cluster): $(printable_args "${job_args[@]}")"
ui=$(ui_address)
[ -z "$ui" ] || note "streaming UI at $ui (Spark's Structured Streaming tab; when the port is taken, the next free one: the job logs 'streaming UI at …' with the address it bound)"
exec dotnet "$(published_dll spark-job topup-job)" "${job_args[@]}"
