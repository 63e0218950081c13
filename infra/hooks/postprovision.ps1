# azd postprovision hook (Windows): deploy the schema and grant the app's managed identity.
# azd exports the Bicep outputs (AZURE_*) as environment variables before running this.
$ErrorActionPreference = 'Stop'

foreach ($name in 'AZURE_SQL_SERVER_FQDN', 'AZURE_SQL_DATABASE_NAME', 'AZURE_FUNCTION_IDENTITY_NAME', 'AZURE_FUNCTION_IDENTITY_PRINCIPAL_ID') {
    if ([string]::IsNullOrEmpty([Environment]::GetEnvironmentVariable($name))) {
        Write-Error "postprovision: $name is not set; run 'azd provision' first."
        exit 1
    }
}

$repoRoot = Resolve-Path (Join-Path $PSScriptRoot '../..')

# --grant-object-id takes the identity's principal (object) id, not its client id: Azure SQL's
# CREATE USER ... FROM EXTERNAL PROVIDER WITH OBJECT_ID expects the service principal's object id.
dotnet run --project (Join-Path $repoRoot 'Database/Database.csproj') -- deploy `
    --server $env:AZURE_SQL_SERVER_FQDN `
    --database $env:AZURE_SQL_DATABASE_NAME `
    --grant $env:AZURE_FUNCTION_IDENTITY_NAME `
    --grant-object-id $env:AZURE_FUNCTION_IDENTITY_PRINCIPAL_ID
if ($LASTEXITCODE -ne 0) {
    exit $LASTEXITCODE
}
