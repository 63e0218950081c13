#!/usr/bin/env bash
# azd postprovision hook (macOS/Linux): deploy the schema and grant the app's managed identity.
# azd exports the Bicep outputs (AZURE_*) as environment variables before running this.
set -euo pipefail

for name in AZURE_SQL_SERVER_FQDN AZURE_SQL_DATABASE_NAME AZURE_FUNCTION_IDENTITY_NAME AZURE_FUNCTION_IDENTITY_PRINCIPAL_ID; do
  if [ -z "${!name:-}" ]; then
    echo "postprovision: $name is not set; run 'azd provision' first." >&2
    exit 1
  fi
done

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# --grant-object-id takes the identity's principal (object) id, not its client id: Azure SQL's
# CREATE USER ... FROM EXTERNAL PROVIDER WITH OBJECT_ID expects the service principal's object id.
dotnet run --project "$repo_root/Database/Database.csproj" -- deploy \
  --server "$AZURE_SQL_SERVER_FQDN" \
  --database "$AZURE_SQL_DATABASE_NAME" \
  --grant "$AZURE_FUNCTION_IDENTITY_NAME" \
  --grant-object-id "$AZURE_FUNCTION_IDENTITY_PRINCIPAL_ID"
