#!/usr/bin/env bash
# azd postprovision hook (macOS/Linux): deploy the schema and grant the app's managed identity.
# azd exports the Bicep outputs (AZURE_*) and the environment's values as environment variables before running this.
#
# The SQL server has no public endpoint in the private deployment (AZURE_VNET_ENABLED=true), and no rule for this
# machine in either. For its own run only, the hook enables public network access (private deployment) and adds one
# firewall rule for AZURE_CLIENT_IP_ADDRESS, and it takes both away again when it ends: after success, after a
# failure, and when it is interrupted. From a machine inside the network (or where policy forbids opening the
# server), set AZURE_SQL_HOOK_TEMPORARY_ACCESS=false and the hook changes no network setting.
set -euo pipefail

readonly rule_name='azd-postprovision-deployer'

fail() {
  echo "postprovision: $*" >&2
  exit 1
}

for name in AZURE_RESOURCE_GROUP AZURE_SQL_SERVER_NAME AZURE_SQL_SERVER_FQDN AZURE_SQL_DATABASE_NAME AZURE_VNET_ENABLED \
  AZURE_FUNCTION_IDENTITY_NAME AZURE_FUNCTION_IDENTITY_PRINCIPAL_ID AZURE_FUNCTION_IDENTITY_CLIENT_ID; do
  if [ -z "${!name:-}" ]; then
    fail "$name is not set; run 'azd provision' first."
  fi
done

vnet_enabled="$(printf '%s' "$AZURE_VNET_ENABLED" | tr '[:upper:]' '[:lower:]')"
temporary_access="$(printf '%s' "${AZURE_SQL_HOOK_TEMPORARY_ACCESS:-true}" | tr '[:upper:]' '[:lower:]')"
case "$temporary_access" in
  true | false) ;;
  *) fail "AZURE_SQL_HOOK_TEMPORARY_ACCESS must be true or false, not '$temporary_access'." ;;
esac

group="$AZURE_RESOURCE_GROUP"
server="$AZURE_SQL_SERVER_NAME"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# What this run opened, so the exit trap closes exactly that. Each flag is set before its az call: a call that
# fails half-way may still have changed the server, and closing something that is already closed does no harm.
public_access_opened=false
rule_opened=false
deploy_pid=''

close_access() {
  local status=$?
  trap - EXIT INT TERM
  if [ -n "$deploy_pid" ] && kill -0 "$deploy_pid" 2>/dev/null; then
    kill -TERM "$deploy_pid" 2>/dev/null || true
    wait "$deploy_pid" 2>/dev/null || true
  fi

  local left_open=false
  if [ "$rule_opened" = true ]; then
    echo "postprovision: removing firewall rule $rule_name from $server."
    if ! az sql server firewall-rule delete --resource-group "$group" --server "$server" --name "$rule_name" --output none; then
      echo "postprovision: the firewall rule is still there; remove it: az sql server firewall-rule delete --resource-group $group --server $server --name $rule_name" >&2
      left_open=true
    fi
  fi
  if [ "$public_access_opened" = true ]; then
    echo "postprovision: disabling public network access to $server again."
    if ! az sql server update --resource-group "$group" --name "$server" --enable-public-network false --output none; then
      echo "postprovision: public network access is still enabled; disable it: az sql server update --resource-group $group --name $server --enable-public-network false" >&2
      left_open=true
    fi
  fi

  if [ "$left_open" = true ] && [ "$status" -eq 0 ]; then
    status=1
  fi
  exit "$status"
}

open_access() {
  local ip="${AZURE_CLIENT_IP_ADDRESS:-}"
  if ! [[ "$ip" =~ ^[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$ ]]; then
    fail "AZURE_CLIENT_IP_ADDRESS must be this machine's public IPv4 address (it is '${ip}'): azd env set AZURE_CLIENT_IP_ADDRESS <address>. From a machine inside the network, set AZURE_SQL_HOOK_TEMPORARY_ACCESS=false instead."
  fi

  if [ "$vnet_enabled" = true ]; then
    # Enabling public access makes every firewall rule live: refuse while rules other than this hook's exist.
    local rules others
    rules="$(az sql server firewall-rule list --resource-group "$group" --server "$server" --query '[].name' --output tsv)"
    others="$(printf '%s\n' "$rules" | grep -vxF -e "$rule_name" -e '' || true)"
    if [ -n "$others" ]; then
      fail "$server has firewall rules this hook did not create ($(echo "$others" | paste -sd ' ' -)); opening public access would make them live. Delete them (az sql server firewall-rule delete --resource-group $group --server $server --name <rule>) or run the hook from inside the network with AZURE_SQL_HOOK_TEMPORARY_ACCESS=false."
    fi

    echo "postprovision: enabling public network access to $server for this run."
    public_access_opened=true
    az sql server update --resource-group "$group" --name "$server" --enable-public-network true --output none
    local state
    state="$(az sql server show --resource-group "$group" --name "$server" --query publicNetworkAccess --output tsv)"
    if [ "$state" != 'Enabled' ]; then
      fail "public network access to $server stayed '$state' (a policy may enforce it): run the hook from a machine inside the network with AZURE_SQL_HOOK_TEMPORARY_ACCESS=false."
    fi
  fi

  echo "postprovision: allowing $ip through the firewall of $server for this run (rule $rule_name)."
  rule_opened=true
  az sql server firewall-rule create --resource-group "$group" --server "$server" --name "$rule_name" \
    --start-ip-address "$ip" --end-ip-address "$ip" --output none
}

# Interrupted: the EXIT trap (run by exit) stops the deploy and closes what was opened.
trap close_access EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ "$temporary_access" = true ]; then
  open_access
fi

# The grant takes the identity's object (principal) id for CREATE USER ... WITH OBJECT_ID, and its client id, which
# is the SID the database user must have (a same-named user with another SID is reported and replaced).
# A database deployed before per-user data whose tables have rows needs the user who owns them (README: upgrading).
# (The ${a[@]+...} form: macOS bash 3.2 with set -u fails on an empty array.)
owner_option=()
if [ -n "${AZURE_SQL_OWNER_OF_EXISTING_ROWS:-}" ]; then
  owner_option=(--owner-of-existing-rows "$AZURE_SQL_OWNER_OF_EXISTING_ROWS")
fi
# In the background with wait, so a signal reaches the trap at once instead of after the deploy.
dotnet run --project "$repo_root/Database/Database.csproj" -- deploy \
  --server "$AZURE_SQL_SERVER_FQDN" \
  --database "$AZURE_SQL_DATABASE_NAME" \
  --grant "$AZURE_FUNCTION_IDENTITY_NAME" \
  --grant-object-id "$AZURE_FUNCTION_IDENTITY_PRINCIPAL_ID" \
  --grant-client-id "$AZURE_FUNCTION_IDENTITY_CLIENT_ID" \
  ${owner_option[@]+"${owner_option[@]}"} &
deploy_pid=$!
wait "$deploy_pid"
