# azd postprovision hook (Windows): deploy the schema and grant the app's managed identity.
# azd exports the Bicep outputs (AZURE_*) and the environment's values as environment variables before running this.
#
# Same steps as postprovision.sh: for its own run only, public network access (private deployment) and one firewall
# rule for AZURE_CLIENT_IP_ADDRESS; both are taken away in `finally`, after success, failure or Ctrl+C.
# AZURE_SQL_HOOK_TEMPORARY_ACCESS=false (a machine inside the network) changes no network setting.
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$ruleName = 'azd-postprovision-deployer'

foreach ($name in 'AZURE_RESOURCE_GROUP', 'AZURE_SQL_SERVER_NAME', 'AZURE_SQL_SERVER_FQDN', 'AZURE_SQL_DATABASE_NAME', 'AZURE_VNET_ENABLED',
    'AZURE_FUNCTION_IDENTITY_NAME', 'AZURE_FUNCTION_IDENTITY_PRINCIPAL_ID', 'AZURE_FUNCTION_IDENTITY_CLIENT_ID') {
    if ([string]::IsNullOrEmpty([Environment]::GetEnvironmentVariable($name))) {
        Write-Error "postprovision: $name is not set; run 'azd provision' first."
        exit 1
    }
}

$vnetEnabled = $env:AZURE_VNET_ENABLED.ToLowerInvariant() -eq 'true'
$temporaryAccess = if ([string]::IsNullOrEmpty($env:AZURE_SQL_HOOK_TEMPORARY_ACCESS)) { 'true' } else { $env:AZURE_SQL_HOOK_TEMPORARY_ACCESS.ToLowerInvariant() }
if ($temporaryAccess -notin 'true', 'false') {
    Write-Error "postprovision: AZURE_SQL_HOOK_TEMPORARY_ACCESS must be true or false, not '$temporaryAccess'."
    exit 1
}

$group = $env:AZURE_RESOURCE_GROUP
$server = $env:AZURE_SQL_SERVER_NAME
$repoRoot = Resolve-Path (Join-Path $PSScriptRoot '../..')

# Native commands do not stop the script on failure: check each exit code.
function Invoke-Az {
    & az @args
    if ($LASTEXITCODE -ne 0) {
        throw "postprovision: az $($args -join ' ') failed with exit code $LASTEXITCODE."
    }
}

# What this run opened; each flag is set before its az call (a half-done call may still have changed the server).
$publicAccessOpened = $false
$ruleOpened = $false
$exitCode = 0
try {
    if ($temporaryAccess -eq 'true') {
        $ip = $env:AZURE_CLIENT_IP_ADDRESS
        if ([string]::IsNullOrEmpty($ip) -or $ip -notmatch '^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$') {
            throw "postprovision: AZURE_CLIENT_IP_ADDRESS must be this machine's public IPv4 address (it is '$ip'): azd env set AZURE_CLIENT_IP_ADDRESS <address>. From a machine inside the network, set AZURE_SQL_HOOK_TEMPORARY_ACCESS=false instead."
        }

        if ($vnetEnabled) {
            # Enabling public access makes every firewall rule live: refuse while rules other than this hook's exist.
            $rules = @(Invoke-Az sql server firewall-rule list --resource-group $group --server $server --query '[].name' --output tsv)
            $others = @($rules | ForEach-Object { $_.Trim() } | Where-Object { $_ -and $_ -ne $ruleName })
            if ($others.Count -gt 0) {
                throw "postprovision: $server has firewall rules this hook did not create ($($others -join ' ')); opening public access would make them live. Delete them (az sql server firewall-rule delete --resource-group $group --server $server --name <rule>) or run the hook from inside the network with AZURE_SQL_HOOK_TEMPORARY_ACCESS=false."
            }

            Write-Host "postprovision: enabling public network access to $server for this run."
            $publicAccessOpened = $true
            Invoke-Az sql server update --resource-group $group --name $server --enable-public-network true --output none
            $state = (Invoke-Az sql server show --resource-group $group --name $server --query publicNetworkAccess --output tsv | Out-String).Trim()
            if ($state -ne 'Enabled') {
                throw "postprovision: public network access to $server stayed '$state' (a policy may enforce it): run the hook from a machine inside the network with AZURE_SQL_HOOK_TEMPORARY_ACCESS=false."
            }
        }

        Write-Host "postprovision: allowing $ip through the firewall of $server for this run (rule $ruleName)."
        $ruleOpened = $true
        Invoke-Az sql server firewall-rule create --resource-group $group --server $server --name $ruleName --start-ip-address $ip --end-ip-address $ip --output none
    }

    # The grant takes the identity's object (principal) id for CREATE USER ... WITH OBJECT_ID, and its client id,
    # which is the SID the database user must have (a same-named user with another SID is reported and replaced).
    # A database deployed before per-user data whose tables have rows needs the user who owns them (README: upgrading).
    $ownerOption = @()
    if ($env:AZURE_SQL_OWNER_OF_EXISTING_ROWS) {
        $ownerOption = @('--owner-of-existing-rows', $env:AZURE_SQL_OWNER_OF_EXISTING_ROWS)
    }
    dotnet run --project (Join-Path $repoRoot 'Database/Database.csproj') -- deploy `
        --server $env:AZURE_SQL_SERVER_FQDN `
        --database $env:AZURE_SQL_DATABASE_NAME `
        --grant $env:AZURE_FUNCTION_IDENTITY_NAME `
        --grant-object-id $env:AZURE_FUNCTION_IDENTITY_PRINCIPAL_ID `
        --grant-client-id $env:AZURE_FUNCTION_IDENTITY_CLIENT_ID `
        @ownerOption
    $exitCode = $LASTEXITCODE
}
catch {
    Write-Host $_ -ForegroundColor Red
    $exitCode = 1
}
finally {
    $leftOpen = $false
    if ($ruleOpened) {
        Write-Host "postprovision: removing firewall rule $ruleName from $server."
        & az sql server firewall-rule delete --resource-group $group --server $server --name $ruleName --output none
        if ($LASTEXITCODE -ne 0) {
            Write-Host "postprovision: the firewall rule is still there; remove it: az sql server firewall-rule delete --resource-group $group --server $server --name $ruleName" -ForegroundColor Red
            $leftOpen = $true
        }
    }
    if ($publicAccessOpened) {
        Write-Host "postprovision: disabling public network access to $server again."
        & az sql server update --resource-group $group --name $server --enable-public-network false --output none
        if ($LASTEXITCODE -ne 0) {
            Write-Host "postprovision: public network access is still enabled; disable it: az sql server update --resource-group $group --name $server --enable-public-network false" -ForegroundColor Red
            $leftOpen = $true
        }
    }
    if ($leftOpen -and $exitCode -eq 0) {
        $exitCode = 1
    }
}
exit $exitCode
