#!/usr/bin/env bash
# The one test command (README): builds the solution (the isolated-worker app, its tests, the test peers and the
# benchmarks), runs every test, and lints the OpenAPI document (counted as one more test: passed or failed). Ends with
# one line "N passed, N failed, N skipped" summed over all test results.
set -euo pipefail
cd "$(dirname "$0")/.."

solution=AzureSqlFunctions.sln
results="TestResults/run-$(date -u +%Y%m%dT%H%M%S)-$$"

status=0
dotnet test "$solution" \
  --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" \
  --blame-hang-timeout 15m "$@" || status=$?

# Sum the TRX counters: dotnet test prints one summary per test assembly, CI reads one line.
passed=0; failed=0; skipped=0; files=0
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  files=$((files + 1))
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  value() { printf '%s' "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*' || echo 0; }
  passed=$((passed + $(value passed)))
  failed=$((failed + $(value failed) + $(value error) + $(value timeout) + $(value aborted)))
  skipped=$((skipped + $(value notExecuted)))
done

# The failed tests by name, next to the summary line (dotnet test prints them far above it, among the passes).
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  grep -o '<UnitTestResult [^>]*outcome="\(Failed\|Error\|Timeout\|Aborted\)"' "$trx" \
    | sed -n 's/.* testName="\([^"]*\)".*/FAILED: \1/p' || true
done

if [ "$files" -eq 0 ] && [ "$status" -ne 0 ]; then
  failed=$((failed + 1)) # the build or the test host failed before any result was written
fi

# The OpenAPI document, linted by Redocly CLI at the version eng/openapi/package-lock.json pins (installed there by
# npm ci: nothing global). A lint that cannot run (no npm, no registry) fails like a failing lint.
echo "== OpenAPI lint: FunctionApp/OpenApi/openapi.json (eng/openapi) =="
if command -v npm >/dev/null \
  && npm ci --prefix eng/openapi --no-audit --no-fund --loglevel=error \
  && REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true npm run --prefix eng/openapi --silent lint; then
  echo "OpenAPI lint: passed"
  passed=$((passed + 1))
else
  echo "OpenAPI lint: FAILED (see above; needs node and npm)"
  failed=$((failed + 1))
fi

echo "${passed} passed, ${failed} failed, ${skipped} skipped"
if [ "$status" -eq 0 ] && [ "$failed" -gt 0 ]; then
  status=1
fi
exit "$status"
