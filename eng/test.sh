#!/usr/bin/env bash
# The one test command (README): builds and tests everything this machine's package feed allows.
# Where the Azure Functions Worker packages restore, it builds the real isolated-worker app and runs every test,
# the Worker-bound ones included. Where they don't, it builds with FunctionsWorker=false (Program.cs, Middleware/,
# Functions/ and FunctionApp.Tests/Worker/ left out), says so in one line, and runs every other test.
# Ends with one line "N passed, N failed, N skipped" summed over all test results.
set -euo pipefail
cd "$(dirname "$0")/.."

solution=AzureSqlFunctions.sln
results="TestResults/run-$(date -u +%Y%m%dT%H%M%S)-$$"

if dotnet restore "$solution" -p:FunctionsWorker=true >/dev/null 2>&1; then
  worker=true
  echo "FunctionsWorker=true: the Azure Functions Worker packages restored; building the app and running every test."
else
  worker=false
  echo "FunctionsWorker=false: the Azure Functions Worker packages (Microsoft.Azure.Functions.Worker, .Sdk, .Extensions.Http, .Extensions.Timer; versions in Directory.Packages.props) do not restore from this feed, so FunctionApp/Program.cs, FunctionApp/Middleware/, FunctionApp/Functions/ and FunctionApp.Tests/Worker/ are left out; all other code is built and tested."
fi

status=0
dotnet test "$solution" -p:FunctionsWorker="$worker" \
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

if [ "$files" -eq 0 ] && [ "$status" -ne 0 ]; then
  failed=$((failed + 1)) # the build or the test host failed before any result was written
fi

echo "${passed} passed, ${failed} failed, ${skipped} skipped"
if [ "$status" -eq 0 ] && [ "$failed" -gt 0 ]; then
  status=1
fi
exit "$status"
