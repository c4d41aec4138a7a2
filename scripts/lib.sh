# Shared by the scripts: build a program once (Release, incremental) and run it.
# shellcheck shell=bash
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# usage_from_header <script> : the script's opening comment block without its '#' marks, as its --help
usage_from_header() { awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$1"; }

# build_programs [--progress] <project dir…> : builds them in one MSBuild run (Release, incremental, projects
# side by side; one run, not one per program, evaluates the shared libraries once); --progress names each
# project as it is done. Fails loudly with the compiler's output.
build_programs() {
  local progress=false filter log project projects=() status
  [ "${1:-}" = --progress ] && { progress=true; shift; }
  for project in "$@"; do needs_npm "$project" || return 1; projects+=("\"$(cd "$REPO_ROOT" && ls "$project"/*.csproj)\""); done
  filter="$(mktemp --suffix=.slnf)"; log="$(mktemp)"
  printf '{"solution":{"path":"%s","projects":[%s]}}\n' "$REPO_ROOT/TopUpSpark.sln" "$(IFS=,; echo "${projects[*]}")" > "$filter"
  dotnet build "$filter" -c Release -nologo -v minimal -clp:NoSummary 2>&1 | tee "$log" |
    if $progress; then sed -nu -E 's|^ *([A-Za-z.-]+) -> .*|  built \1|p'; else cat > /dev/null; fi
  status=${PIPESTATUS[0]}
  if [ "$status" -ne 0 ]; then cat "$log" >&2; echo "build of $* failed" >&2; fi
  rm -f "$filter" "$log"
  return "$status"
}

# needs_npm <project dir> : the programs with pages (the dashboard, the job's streaming UI) build TopUpSpark.Web,
# which installs its pinned front-end packages (plotly.js, the map data) with npm
needs_npm() { case "$1" in consumer|spark-job) ensure_command npm nodejs npm ;; esac; }

# program_dll <project dir> <assembly name>
program_dll() { echo "$REPO_ROOT/$1/bin/Release/net10.0/$2.dll"; }

# Where programs are published: $TOPUP_PUBLISH_DIR/<project dir>, by default artifacts/publish/<project dir>
# (the benchmark's copy). A test run sets its own folder, so that it never rebuilds a copy something else runs,
# and publishes once; TOPUP_SKIP_PUBLISH=1 then makes publish_program use that copy as it is.
publish_root() { echo "${TOPUP_PUBLISH_DIR:-$REPO_ROOT/artifacts/publish}"; }

# publish_program <project dir> : publishes for this machine (Release, framework-dependent), with the
# project's own publish settings (the job precompiles its libraries ReadyToRun), into published_dll's folder
publish_program() {
  local target
  target="$(publish_root)/$1"
  if [ "${TOPUP_SKIP_PUBLISH:-}" = 1 ]; then
    [ -d "$target" ] || { echo "TOPUP_SKIP_PUBLISH=1, but nothing is published in $target" >&2; return 1; }
    return 0
  fi
  needs_npm "$1" || return 1
  quietly "publish of $1" dotnet publish "$REPO_ROOT/$1" -c Release --use-current-runtime --self-contained false \
    -o "$target" -nologo -v quiet
}

# published_dll <project dir> <assembly name>
published_dll() { echo "$(publish_root)/$1/$2.dll"; }

# quietly <what> <command…> : runs a command with its output kept aside, shown only when it fails
quietly() {
  local what=$1 log; shift
  log="$(mktemp)"
  if ! "$@" >"$log" 2>&1; then
    cat "$log" >&2; rm -f "$log"
    echo "$what failed" >&2
    return 1
  fi
  rm -f "$log"
}

# ensure_command <command> <debian package…> : installs the packages with apt-get when the command is missing
ensure_command() {
  local command=$1; shift
  command -v "$command" >/dev/null 2>&1 && return 0
  echo "installing Debian's $* (for $command)" >&2
  local sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null \
    || { echo "could not install $*" >&2; return 1; }
}

# free_port : a TCP port nothing listens on at 127.0.0.1 (from 20000–59999)
free_port() {
  local port
  for _ in $(seq 100); do
    port=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return 0; }
  done
  echo "no free port found" >&2; return 1
}
