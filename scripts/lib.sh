# Shared by the scripts: build a program once (Release, incremental) and run it.
# shellcheck shell=bash
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# build_program <project dir> : builds quietly, fails loudly with the compiler's output
build_program() {
  local project="$REPO_ROOT/$1" log
  log="$(mktemp)"
  if ! dotnet build "$project" -c Release -nologo -v quiet >"$log" 2>&1; then
    cat "$log" >&2; rm -f "$log"
    echo "build of $1 failed" >&2
    return 1
  fi
  rm -f "$log"
}

# program_dll <project dir> <assembly name>
program_dll() { echo "$REPO_ROOT/$1/bin/Release/net10.0/$2.dll"; }

# ensure_command <command> <debian package…> : installs the packages with apt-get when the command is missing
ensure_command() {
  local command=$1; shift
  command -v "$command" >/dev/null 2>&1 && return 0
  echo "installing Debian's $* (for $command)" >&2
  local sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null \
    || { echo "could not install $*" >&2; return 1; }
}
