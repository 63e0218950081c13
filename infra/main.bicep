// Entry point for `azd provision`: one resource group holding the Function App (Flex Consumption),
// its user-assigned identity, host storage, monitoring and an Entra-only Azure SQL database.
targetScope = 'subscription'

@description('azd environment name; prefixes the resource group and seeds resource names.')
@minLength(1)
@maxLength(64)
param environmentName string

@description('Azure region for every resource (must offer Flex Consumption).')
@minLength(1)
param location string

@description('Object id of the principal running the deployment; becomes the SQL server\'s Entra admin.')
@minLength(36)
@maxLength(36)
param principalId string

@description('Login (display) name for that Entra admin, e.g. the deployer\'s UPN or the pipeline\'s app name.')
@minLength(1)
param sqlAdminLogin string

@description('Kind of principal the Entra admin is: a person (User), a group, or a service principal (Application).')
@allowed([
  'User'
  'Group'
  'Application'
])
param sqlAdminPrincipalType string = 'User'

@description('The deployer\'s public IPv4 address, allowed through the SQL firewall for the schema deployment; empty adds no rule.')
param clientIpAddress string = ''

@description('Name of the application database.')
param sqlDatabaseName string = 'AzureSqlFunctions'

@description('Database SKU: serverless General Purpose, standard-series (Gen5).')
@allowed([
  'GP_S_Gen5'
])
param sqlSkuName string = 'GP_S_Gen5'

@description('Maximum vCores of the serverless database; each value has a documented worker limit (see infra/README.md).')
@allowed([
  1
  2
  4
  6
  8
  10
  12
  14
  16
  18
  20
  24
  32
  40
])
param sqlSkuCapacity int = 2

@description('Minimum vCores while the database is online, as a decimal string.')
param sqlMinCapacity string = '0.5'

@description('Minutes without activity before the database pauses; -1 keeps it online.')
@minValue(-1)
@maxValue(10080)
param sqlAutoPauseDelayMinutes int = 60

@description('Max Pool Size of the app\'s SQL connection string: connections one instance may hold.')
@minValue(1)
@maxValue(200)
param sqlMaxPoolSize int = 10

@description('Maximum instances the HTTP scale group may scale out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 10

@description('Instances outside the HTTP scale group that may hold SQL connections: Flex scales each non-HTTP function on its own instances, and a timer function runs as a singleton, so one per timer function.')
@minValue(0)
param singletonFunctionInstances int = 1

@description('Memory per Function App instance in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Concurrent HTTP invocations per instance; keep it at or below sqlMaxPoolSize so requests do not queue for connections.')
@minValue(1)
@maxValue(1000)
param httpPerInstanceConcurrency int = 10

var tags = {
  'azd-env-name': environmentName
}
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))

// Documented "Max concurrent workers" of serverless General Purpose (standard-series Gen5), by
// max vCores: 75 per vCore. Every pooled connection that runs a query occupies a worker.
var serverlessWorkerLimits = {
  '1': 75
  '2': 150
  '4': 300
  '6': 450
  '8': 600
  '10': 750
  '12': 900
  '14': 1050
  '16': 1200
  '18': 1350
  '20': 1500
  '24': 1800
  '32': 2400
  '40': 3000
}
var sqlWorkerLimit = serverlessWorkerLimits[string(sqlSkuCapacity)]
var peakSqlConnections = sqlMaxPoolSize * (maximumInstanceCount + singletonFunctionInstances)
// Refuses the deployment (at validation, before anything is created) when a full scale-out
// could open more connections than the database has workers; the excess would fail with
// error 10928 under load instead of here.
var checkedSqlMaxPoolSize = peakSqlConnections <= sqlWorkerLimit
  ? sqlMaxPoolSize
  : fail('Max Pool Size ${sqlMaxPoolSize} x (maximumInstanceCount ${maximumInstanceCount} + singletonFunctionInstances ${singletonFunctionInstances}) = ${peakSqlConnections} exceeds the ${sqlWorkerLimit} workers of ${sqlSkuName}_${sqlSkuCapacity}. Lower sqlMaxPoolSize or maximumInstanceCount, or raise sqlSkuCapacity.')

resource resourceGroup 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: resourceGroup
  params: {
    name: 'id-func-${resourceToken}'
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: resourceGroup
  params: {
    logAnalyticsName: 'log-${resourceToken}'
    applicationInsightsName: 'appi-${resourceToken}'
    location: location
    tags: tags
    publisherPrincipalId: identity.outputs.principalId
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: resourceGroup
  params: {
    name: 'st${resourceToken}'
    location: location
    tags: tags
    deploymentContainerName: 'deployment-packages'
    appPrincipalId: identity.outputs.principalId
  }
}

module sql 'modules/sql.bicep' = {
  name: 'sql'
  scope: resourceGroup
  params: {
    serverName: 'sql-${resourceToken}'
    databaseName: sqlDatabaseName
    location: location
    tags: tags
    adminObjectId: principalId
    adminLogin: sqlAdminLogin
    adminPrincipalType: sqlAdminPrincipalType
    skuName: sqlSkuName
    skuCapacity: sqlSkuCapacity
    minCapacity: sqlMinCapacity
    autoPauseDelayMinutes: sqlAutoPauseDelayMinutes
    clientIpAddress: clientIpAddress
  }
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'function-app'
  scope: resourceGroup
  params: {
    name: 'func-${resourceToken}'
    planName: 'plan-${resourceToken}'
    location: location
    tags: tags
    azdServiceName: 'api'
    identityResourceId: identity.outputs.resourceId
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    storageBlobEndpoint: storage.outputs.blobEndpoint
    deploymentContainerName: storage.outputs.deploymentContainerName
    applicationInsightsConnectionString: monitoring.outputs.applicationInsightsConnectionString
    sqlServerFqdn: sql.outputs.serverFqdn
    sqlDatabaseName: sql.outputs.databaseName
    sqlMaxPoolSize: checkedSqlMaxPoolSize
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    httpPerInstanceConcurrency: httpPerInstanceConcurrency
  }
}

// azd stores these in .azure/<env>/.env; the postprovision hooks read them.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = resourceGroup.name
output AZURE_SQL_SERVER_NAME string = sql.outputs.serverName
output AZURE_SQL_SERVER_FQDN string = sql.outputs.serverFqdn
output AZURE_SQL_DATABASE_NAME string = sql.outputs.databaseName
output AZURE_SQL_WORKER_LIMIT int = sqlWorkerLimit
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output AZURE_FUNCTION_APP_URL string = 'https://${functionApp.outputs.defaultHostName}'
output AZURE_FUNCTION_IDENTITY_NAME string = identity.outputs.name
output AZURE_FUNCTION_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output AZURE_FUNCTION_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
