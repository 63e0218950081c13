#!/usr/bin/env bash
# Runs the app locally under Azure Functions Core Tools (README: "Run the app").
# Builds the isolated-worker app into one folder and starts `func` there. Extra arguments go to `func start`
# (e.g. --port 7072).
set -euo pipefail
cd "$(dirname "$0")/.."

command -v func >/dev/null || { echo "Azure Functions Core Tools v4 ('func') is not on PATH: see README, Local debugging."; exit 1; }
[ -f FunctionApp/local.settings.json ] || {
  echo "FunctionApp/local.settings.json is missing: cp local.settings.sample.json FunctionApp/local.settings.json and set Sql__ConnectionString."
  exit 1
}

out=FunctionApp/bin/app
dotnet build FunctionApp/FunctionApp.csproj -o "$out"
cd "$out"
exec func start "$@"
