#!/usr/bin/env bash
# Builds the whole solution and runs every test. Needs only the .NET SDK; installs Debian's nodejs/npm
# (the dashboard's build) and chromium (its browser test) when missing, and Jupyter with the .NET
# Interactive kernel (the notebooks' tests; scripts/notebook.sh --install). Ends with one line:
# "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."

source scripts/lib.sh
# The dashboard's build fetches its pinned front-end packages with npm; its browser test drives chromium.
ensure_command npm nodejs npm || exit 1
ensure_command chromium chromium || exit 1
# The notebooks' tests execute them in a real .NET Interactive kernel through Jupyter.
scripts/notebook.sh --install || exit 1

log_dir=artifacts/test-logs
mkdir -p "$log_dir"
log="$log_dir/dotnet-test.log"

dotnet build TopUpSpark.sln -c Release -warnaserror 2>&1 | tee "$log_dir/build.log" | grep -E "error|Build succeeded|Time Elapsed"
if [ "${PIPESTATUS[0]}" -ne 0 ]; then
  echo "test.sh: build failed (see $log_dir/build.log)"
  echo "0 passed, 1 failed"
  exit 1
fi

# A test still running after this long is taken for hung: blame kills its test host (no dump: nothing
# here reads one) and the test is named below. The slowest test takes about a minute on this machine.
hang_timeout=10m

# One test assembly at a time: the machine has two cores and several suites start brokers and browsers.
# Each writes its TRX report, and blame its sequence file, into a folder of its own.
results=artifacts/test-results
rm -rf "$results"
status=0
: > "$log"
for project in $(grep -oE 'tests[\\/][^"]*Tests\.csproj' TopUpSpark.sln | tr '\\' '/'); do
  name=$(basename "$project" .csproj)
  dotnet test "$project" -c Release --no-build --results-directory "$results/$name" --logger "trx;LogFileName=$name.trx" \
    --blame-hang-timeout "$hang_timeout" --blame-hang-dump-type none "$@" 2>&1 | tee -a "$log"
  [ "${PIPESTATUS[0]}" -ne 0 ] && status=1
done

# The tests blame's sequence files list as started but not completed: the one a hang timeout killed,
# or the one running when its test host crashed. Neither is in the TRX counters.
unfinished_tests() {
  find "$1" -name 'Sequence_*.xml' -exec grep -ho '<Test Name="[^"]*"[^>]*Completed="False"' {} + |
    sed -E 's/<Test Name="([^"]*)".*/\1/; s/&quot;/"/g; s/&apos;/'"'"'/g; s/&lt;/</g; s/&gt;/>/g; s/&amp;/\&/g' | sort -u
}

# Sum the counters of every assembly's TRX report: <Counters total=".." passed=".." failed=".." ...>.
passed=0; failed=0; skipped=0; assemblies=0
for trx in "$results"/*/*.trx; do
  [ -e "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  count() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*' || echo 0; }
  t=$(count total); p=$(count passed); f=$(count failed); e=$(count error); to=$(count timeout); a=$(count aborted)
  passed=$((passed + p)); failed=$((failed + f + e + to + a)); skipped=$((skipped + t - p - f - e - to - a))
  assemblies=$((assemblies + 1))
  how="crashed its test host"
  grep -q "inactivity time" "$trx" && how="hung: killed after the $hang_timeout hang timeout"
  while IFS= read -r test; do
    [ -n "$test" ] || continue
    echo "test.sh: FAILED $test ($how; the tests after it in $(basename "$trx" .trx) did not run)"
    failed=$((failed + 1))
  done <<< "$(unfinished_tests "$(dirname "$trx")")"
done
expected=$(grep -oE 'tests[\\/][^"]*Tests\.csproj' TopUpSpark.sln | wc -l)
if [ "$assemblies" -lt "$expected" ]; then
  echo "test.sh: only $assemblies of $expected test assemblies reported results"
  failed=$((failed + expected - assemblies))
fi
[ "$expected" -eq 0 ] && { echo "test.sh: no test projects found"; status=1; }
[ "$failed" -gt 0 ] && status=1
[ "$status" -ne 0 ] && [ "$failed" -eq 0 ] && failed=1
echo "$passed passed, $failed failed, $skipped skipped"
exit "$status"
