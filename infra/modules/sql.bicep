// Azure SQL logical server that accepts Microsoft Entra tokens only, and one database. With vnetEnabled the server
// has no public endpoint at all (the app reaches it through a private endpoint); the postprovision hook opens it
// for the deployer's address only while it runs.

@description('Name of the logical server (becomes <name>.database.windows.net).')
param serverName string

@description('Name of the database.')
param databaseName string

@description('Azure region.')
param location string

@description('Tags applied to server and database.')
param tags object = {}

@description('Object id of the Entra principal that becomes the server\'s Entra admin (normally the deployer).')
param adminObjectId string

@description('Login (display) name of the Entra admin, e.g. the deployer\'s UPN.')
param adminLogin string

@description('Kind of Entra admin principal.')
@allowed([
  'User'
  'Group'
  'Application'
])
param adminPrincipalType string

@description('Database SKU name; only serverless General Purpose is supported by the worker-limit check in main.bicep.')
param skuName string

@description('Maximum vCores of the serverless database.')
param skuCapacity int

@description('Minimum vCores while online, as a decimal string (Bicep has no decimal type), e.g. "0.5".')
param minCapacity string

@description('Minutes of inactivity before the database pauses; -1 disables auto-pause.')
param autoPauseDelayMinutes int

@description('Private deployment: public network access disabled and no firewall rule. Otherwise public access with the "Allow Azure services" rule, which Flex Consumption without VNet integration needs.')
param vnetEnabled bool

@description('Use the free offer: the database pauses until next month when the monthly free amount is used up.')
param useFreeLimit bool

// The free offer with AutoPause: at most 32 GB of data, locally redundant backups only, and (reported when other
// values are sent) only the default auto-pause delay, so none is sent.
var freeLimitProperties = {
  useFreeLimit: true
  freeLimitExhaustionBehavior: 'AutoPause'
  maxSizeBytes: 34359738368
  requestedBackupStorageRedundancy: 'Local'
}

resource sqlServer 'Microsoft.Sql/servers@2025-01-01' = {
  name: serverName
  location: location
  tags: tags
  properties: {
    minimalTlsVersion: '1.2'
    publicNetworkAccess: vnetEnabled ? 'Disabled' : 'Enabled'
    // No administratorLogin/administratorLoginPassword: with Entra-only authentication there is
    // no SQL login at all, so there is no password to create, store or leak.
    administrators: {
      administratorType: 'ActiveDirectory'
      azureADOnlyAuthentication: true
      login: adminLogin
      sid: adminObjectId
      principalType: adminPrincipalType
      tenantId: tenant().tenantId
    }
  }

  // 0.0.0.0-0.0.0.0 is Azure's convention for "Allow Azure services": Flex Consumption without VNet integration
  // connects from shared Azure outbound addresses, so every Azure tenant's services can reach the endpoint and
  // only Entra authentication stands in the way. Never created in the private deployment. The deployer's own
  // address is not a rule here: the postprovision hook adds it for its run and removes it afterwards.
  resource allowAzureServices 'firewallRules' = if (!vnetEnabled) {
    name: 'AllowAllWindowsAzureIps'
    properties: {
      startIpAddress: '0.0.0.0'
      endIpAddress: '0.0.0.0'
    }
  }
}

resource database 'Microsoft.Sql/servers/databases@2025-01-01' = {
  parent: sqlServer
  name: databaseName
  location: location
  tags: tags
  sku: {
    name: skuName
    tier: 'GeneralPurpose'
    family: 'Gen5'
    capacity: skuCapacity
  }
  // A paused database answers the first login with error 40613 ("database not currently available") while it
  // resumes; the app's SqlClient retry logic treats 40613 as transient.
  properties: union(
    {
      minCapacity: json(minCapacity)
    },
    useFreeLimit ? freeLimitProperties : { autoPauseDelay: autoPauseDelayMinutes }
  )
}

output serverId string = sqlServer.id
output serverName string = sqlServer.name
output serverFqdn string = sqlServer.properties.fullyQualifiedDomainName
output databaseName string = database.name
