#!/usr/bin/env bash
# The whole pipeline on this machine, end to end: embedded Kafka (librdkafka's mock cluster, in memory),
# the streaming job (embedded engine, not Apache Spark), the producer at the course's rate, the live map, and
# topup-api over a Redis of its own (Debian's redis-server on a free loopback port) that the job writes its
# latest predictions to. Builds what it needs, generates data and trains a model when they are absent; prints
# curl commands for the API. Ctrl-C stops it all.
#
#   ./scripts/demo.sh                    run until Ctrl-C
#   ./scripts/demo.sh --batches 12       bounded: 12 producer batches, then flush the last windows, print a summary, exit 0
#
# Options: --batches N  --out DIR (default output/demo)  --data DIR (default data)  --model FILE (default <data>/topup.model)
#          --customers N (size of generated data, default the course's 128,655)  --port P (dashboard, default 8050)
#          --api-port P (topup-api, default 8080)
#          --late MIN-MAX (customers per batch the producer holds back one batch, default 0-2; 0-0 sends all on time)
# It prints where the map, the streams page and the job's streaming UI (Spark's Structured Streaming tab, 4040 or the next free port) are.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

batches=""; out="output/demo"; data="data"; model=""; customers=""; port=8050; api_port=8080; late="0-2"
while [ $# -gt 0 ]; do
  case "$1" in
    --batches) batches="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --data) data="$2"; shift 2 ;;
    --model) model="$2"; shift 2 ;;
    --customers) customers="$2"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    --api-port) api_port="$2"; shift 2 ;;
    --late) late="$2"; shift 2 ;;
    -h|--help) usage_from_header "$0"; exit 0 ;;
    *) echo "demo.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
model="${model:-$data/topup.model}"
run_dir="$out/run"
mkdir -p "$run_dir"
# Absolute, for programs started from other folders; --out may be absolute or relative.
export TOPUP_BROKER_FILE="$(cd "$run_dir" && pwd)/embedded-broker.json"

pids=()
# stop_process <pid>: SIGTERM (each program finishes its step and says so), SIGKILL if still there after 30 s
stop_process() {
  kill -TERM "$1" 2>/dev/null || return 0
  for _ in $(seq 300); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}
# Stops in the reverse order of starting — producer, job (its summary), API, dashboard, Redis, then the broker
# they all use — so nothing loses its broker or Redis while still talking to it.
cleanup() {
  trap - EXIT INT TERM
  [ -n "${first_window_watch:-}" ] && kill "$first_window_watch" 2>/dev/null || true
  [ -n "${training_pid:-}" ] && kill "$training_pid" 2>/dev/null || true
  if [ ${#pids[@]} -gt 0 ]; then
    echo "demo: stopping ${#pids[@]} process(es), the broker last…"
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do stop_process "${pids[i]}"; done
    sleep 0.3   # the last lines through the prefixing pipes
  fi
}
trap cleanup EXIT
trap 'echo; cleanup; exit 0' INT TERM

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if port_open "$port"; then
  echo "demo: port $port is in use; pass --port" >&2; exit 2
fi
if port_open "$api_port"; then
  echo "demo: port $api_port is in use; pass --api-port" >&2; exit 2
fi

# The first minutes, step by step, each line stamped with the time since the demo started.
elapsed() { printf '%d:%02d' $((SECONDS / 60)) $((SECONDS % 60)); }
say() { echo "demo: [$(elapsed)] $*"; }

ensure_command npm nodejs npm   # the dashboard's build fetches its pinned front-end packages
ensure_command redis-server redis-server   # where the job keeps the latest predictions the API serves
say "building the programs (Release)…"
# The job runs from its build, not from spark-submit.sh's ReadyToRun publish: that saves the publish's
# precompilation (a minute on two cores) for the price of compiling Kafka's and parquet's code in the first batch.
build_programs --progress broker producer models consumer spark-job api
broker_dll=$(program_dll broker topup-broker); producer_dll=$(program_dll producer topup-producer)
models_dll=$(program_dll models topup-models); job_dll=$(program_dll spark-job topup-job); consumer_dll=$(program_dll consumer topup-consumer)
api_dll=$(program_dll api topup-api)

if [ ! -f "$data/customer.csv" ] || [ ! -f "$data/bureau.csv" ]; then
  say "no data in $data/: generating it"
  dotnet "$producer_dll" generate --out "$data" ${customers:+--customers "$customers"}
fi
# The model trains while the broker, the services and the producer start: event time runs from the producer's
# first batch, and the job, started once the model is there, reads the topics from their beginning.
training_pid=""
if [ ! -f "$model" ]; then
  say "no model at $model: training one with ML.NET on $data/ (once), while the rest starts"
  dotnet "$models_dll" train --customers "$data/customer.csv" --bureau "$data/bureau.csv" --out "$model" \
    $( [ -f "$data/true-probability.csv" ] && echo --true-probabilities "$data/true-probability.csv" ) &
  training_pid=$!
fi

# start <name> <command…>: runs in the background, its output prefixed on the terminal and kept in <run>/<name>.log.
# The pipe ignores Ctrl-C and SIGTERM: it ends when the program's output does, so the program's last lines
# (the job's summary) are still shown and kept when it is stopped.
start() {
  local name=$1; shift
  "$@" > >(trap '' INT TERM; tee -a "$run_dir/$name.log" | sed -u "s/^/[$name] /") 2>&1 &
  pids+=($!)
}
wait_for() { # <what> <seconds> <test command…>
  local what=$1 seconds=$2; shift 2
  for _ in $(seq $((seconds * 10))); do "$@" && return 0; sleep 0.1; done
  echo "demo: $what did not come up within ${seconds}s (see $run_dir/)" >&2; exit 1
}

# Every start of the embedded broker is a new, empty Kafka cluster: a checkpoint of an earlier run holds
# offsets of the old one, which the job refuses to resume. That run's outputs are kept aside, not mixed in.
if [ -d "$out/checkpoint" ]; then
  rm -rf "$out/previous-run"; mkdir -p "$out/previous-run"
  for item in checkpoint joined predictions progress.jsonl summary.json dashboard.html; do
    [ -e "$out/$item" ] && mv "$out/$item" "$out/previous-run/"
  done
  say "a new embedded broker is a new Kafka cluster: starting a fresh checkpoint; the previous run's outputs are in $out/previous-run/"
fi
rm -f "$TOPUP_BROKER_FILE" "$run_dir"/*.log
say "starting the broker, Redis, the dashboard, the API, the job and the producer…"
start broker dotnet "$broker_dll"
wait_for "the embedded broker" 30 test -s "$TOPUP_BROKER_FILE"
redis_port=$(free_port)
# In memory only: a new broker is a new cluster, and the predictions of an old one would only mislead.
# In a session of its own: redis-server exits on the SIGINT a terminal's Ctrl-C sends to the whole foreground
# process group, which would leave the job's last batch without its Redis; it is stopped with the others, in order,
# and gets SIGTERM if this script is killed outright (kill -9 of the group) rather than outliving it.
start redis setsid setpriv --pdeathsig TERM redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$(cd "$run_dir" && pwd)"
wait_for "Redis" 30 port_open "$redis_port"
export TOPUP_REDIS="127.0.0.1:$redis_port"   # the job writes there, the API reads there
start dashboard dotnet "$consumer_dll" --port "$port" --html "$out/dashboard.html"
wait_for "the dashboard" 60 port_open "$port"
start api dotnet "$api_dll" --listen "http://127.0.0.1:$api_port"
wait_for "topup-api" 60 port_open "$api_port"
api="http://127.0.0.1:$api_port"
dotnet "$api_dll" example --csv "$data/customer.csv" > "$run_dir/example-customer.json"
# Once the job has scored a customer, a lookup that answers 200.
start first-prediction bash -c 'for _ in $(seq 900); do
    key=$(redis-cli -p "$1" --scan --pattern "topup:prediction:*" 2>/dev/null | head -1)
    if [ -n "$key" ]; then echo "the job has scored customers, e.g.: curl -s $2/v1/customers/${key#topup:prediction:}/prediction"; exit 0; fi
    sleep 1
  done' first-prediction "$redis_port" "$api"
# A few customers of each batch arrive one batch late, with their own ts: the streams page marks them, the job judges them by its watermark.
start producer dotnet "$producer_dll" --data "$data" --late "$late" ${batches:+--batches "$batches"}
producer_pid=${pids[-1]}
if [ -n "$training_pid" ]; then
  wait "$training_pid" || { echo "demo: training the model failed (see above)" >&2; exit 1; }
  say "model trained: $model"
fi
start job dotnet "$job_dll" --model "$model" --out "$out" --trigger default
job_pid=${pids[-1]}
# Stopped in dependency order, last started first: the producer before the job that reads it.
pids=("${pids[@]:0:${#pids[@]}-2}" "$job_pid" "$producer_pid")
# The UI's port is 4040 unless another job took it: the job logs the address it bound.
ui_logged() { grep -q 'streaming UI at http' "$run_dir/job.log" 2>/dev/null; }
wait_for "the job's streaming UI" 60 ui_logged
ui_url=$(grep -o 'streaming UI at http[^ ]*' "$run_dir/job.log" | head -1 | sed 's/^streaming UI at //')

echo
say "live map at http://127.0.0.1:$port/  (snapshot: $out/dashboard.html); input streams at http://127.0.0.1:$port/streams"
say "the job's streaming UI at $ui_url  (progress as JSON: ${ui_url}api/progress)"
say "topup-api at $api/ (OpenAPI: $api/openapi/v1.json; Redis at $TOPUP_REDIS); Ctrl-C stops everything; try:"
echo "  curl -s -H 'Content-Type: application/json' --data @$(cd "$run_dir" && pwd)/example-customer.json $api/v1/customers"
echo "  curl -s $api/v1/windows/latest"
echo "  curl -s $api/v1/customers/<ID>/prediction    (404 until the job has scored that ID; [first-prediction] names one)"
echo
# The first window needs 30 s of event time and the 5 s watermark's delay behind it.
(until grep -q "now on the map" "$run_dir/dashboard.log" 2>/dev/null; do sleep 0.5; done; say "first window on the map") &
first_window_watch=$!

if [ -z "$batches" ]; then
  wait "$producer_pid"
  exit 0
fi

wait "$producer_pid"
sleep 3   # let the job take the last batch
kill -TERM "$job_pid"; wait "$job_pid" || true
cp "$out/summary.json" "$run_dir/summary-live.json"
echo "demo: producer done; flushing the windows still open (available-now, --flush-at-end)"
dotnet "$job_dll" --model "$model" --out "$out" --trigger available-now --flush-at-end --no-ui 2>&1 | tee -a "$run_dir/job-flush.log" | sed -u "s/^/[flush] /"
sleep 2   # the dashboard shows the last window

field() { grep -o "\"$2\": *[0-9]*" "$1" | grep -o '[0-9]*$' || echo 0; }
total() { echo $(( $(field "$run_dir/summary-live.json" "$1") + $(field "$out/summary.json" "$1") )); }
produced=$(grep -o 'sent [0-9]* batches: [0-9]* customer and [0-9]* bureau messages' "$run_dir/producer.log" | tail -1)
echo
echo "demo summary ($out):"
echo "  produced:          ${produced:-see $run_dir/producer.log}"
echo "  job input rows:    $(total inputRows)"
echo "  joined rows:       $(total joinedRows)   → $out/joined/"
echo "  scored rows:       $(total scoredRows)   → $out/predictions/"
echo "  predicted top-ups: $(total predictedTopUps)"
echo "  messages published to topup-by-state: $(total messagesPublished)"
echo "  late rows dropped: $(total lateRowsDropped), dead letters: $(total deadLetters)"
echo "  dashboard snapshot: $out/dashboard.html"
