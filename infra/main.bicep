// Entry point for `azd provision` (parameters from main.bicepparam): one resource group holding the Function App
// (Flex Consumption), its user-assigned identity, host storage, monitoring, an Entra-only Azure SQL database and,
// with vnetEnabled, the virtual network and private endpoints that keep SQL and storage off the internet.
targetScope = 'subscription'

import { sizingProblems, workerLimit } from 'sizing.bicep'
import { corsOriginProblems } from 'cors.bicep'

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

@description('Private networking: a virtual network, Flex Consumption VNet integration, private endpoints for SQL and blob storage, and neither with a public endpoint. false is for quick trials: SQL and storage stay reachable over public endpoints (see infra/README.md).')
param vnetEnabled bool = true

@description('Name of the application database.')
param sqlDatabaseName string = 'AzureSqlFunctions'

@description('Database SKU: serverless General Purpose, standard-series (Gen5).')
@allowed([
  'GP_S_Gen5'
])
param sqlSkuName string = 'GP_S_Gen5'

@description('Maximum vCores of the serverless database; each value has a documented worker limit (sizing.bicep). Default in main.bicepparam.')
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
param sqlSkuCapacity int

@description('Minimum vCores while the database is online, as a decimal string.')
param sqlMinCapacity string = '0.5'

@description('Minutes without activity before the database pauses; -1 keeps it online. Not sent with the free offer, which allows only its default.')
@minValue(-1)
@maxValue(10080)
param sqlAutoPauseDelayMinutes int = 60

@description('Free offer for development environments: 100,000 vCore seconds and 32 GB a month, then the database pauses until next month (AutoPause). Chosen at creation: an existing database cannot be converted.')
param useFreeLimit bool

@description('Max Pool Size of the app\'s SQL connection string: connections one instance may hold. Default in main.bicepparam.')
@minValue(1)
@maxValue(200)
param sqlMaxPoolSize int

@description('Maximum on-demand instances of each function group (the HTTP functions are one group). Flex Consumption\'s documented floor is 40. Default in main.bicepparam.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int

@description('Instances outside the HTTP group that may hold SQL connections: Flex scales each non-HTTP function on its own instances, and a timer function runs as a singleton, so one per timer function.')
@minValue(0)
param singletonFunctionInstances int

@description('Database workers left free for the postprovision hook, the grant and admin tools.')
@minValue(0)
param sqlReservedWorkers int

@description('Memory per Function App instance in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Concurrent HTTP invocations per instance; at most sqlMaxPoolSize, so requests never queue for connections. Default in main.bicepparam.')
@minValue(1)
@maxValue(1000)
param httpPerInstanceConcurrency int

@description('Directory (tenant) id of the API\'s Entra app registration, whose access tokens the app accepts; empty for the deployment\'s own tenant.')
param authTenantId string = ''

@description('Audience the app requires in access tokens: the API app registration\'s client id (v2.0 tokens) or its application ID URI. README: sign-in.')
@minLength(1)
param authAudience string

@description('Browser origins (https://host[:port]) allowed to call the API from scripts; empty for none. Never *: see cors.bicep.')
param corsAllowedOrigins array = []

@description('App Service Authentication as a second gate in front of the app (it rejects requests without a valid token before they reach the worker). The app validates every token itself either way.')
param appServiceAuthEnabled bool = false

var tags = {
  'azd-env-name': environmentName
}
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))

var sizing = {
  sqlSkuCapacity: sqlSkuCapacity
  sqlMaxPoolSize: sqlMaxPoolSize
  maximumInstanceCount: maximumInstanceCount
  singletonFunctionInstances: singletonFunctionInstances
  httpPerInstanceConcurrency: httpPerInstanceConcurrency
  sqlReservedWorkers: sqlReservedWorkers
  useFreeLimit: useFreeLimit
}
var sqlWorkerLimit = workerLimit(sqlSkuCapacity)
var sizingProblemText = join(sizingProblems(sizing), ' ')
// main.bicepparam already stops azd on a broken rule while it builds the parameters; this refuses any other
// deployment at validation, before anything is created, instead of failing with 10928 under load.
var checkedSqlMaxPoolSize = empty(sizingProblemText) ? sqlMaxPoolSize : fail(sizingProblemText)

var corsProblemText = join(corsOriginProblems(corsAllowedOrigins), ' ')
var checkedCorsAllowedOrigins = empty(corsProblemText) ? corsAllowedOrigins : fail(corsProblemText)

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
    vnetEnabled: vnetEnabled
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
    vnetEnabled: vnetEnabled
    useFreeLimit: useFreeLimit
  }
}

module network 'modules/network.bicep' = if (vnetEnabled) {
  name: 'network'
  scope: resourceGroup
  params: {
    name: 'vnet-${resourceToken}'
    location: location
    tags: tags
  }
}

module sqlPrivateEndpoint 'modules/private-endpoint.bicep' = if (vnetEnabled) {
  name: 'sql-private-endpoint'
  scope: resourceGroup
  params: {
    name: 'pe-sql-${resourceToken}'
    location: location
    tags: tags
    subnetId: network!.outputs.privateEndpointSubnetId
    serviceId: sql.outputs.serverId
    groupId: 'sqlServer'
    privateDnsZoneName: 'privatelink${environment().suffixes.sqlServerHostname}'
    virtualNetworkId: network!.outputs.id
  }
}

module blobPrivateEndpoint 'modules/private-endpoint.bicep' = if (vnetEnabled) {
  name: 'blob-private-endpoint'
  scope: resourceGroup
  params: {
    name: 'pe-blob-${resourceToken}'
    location: location
    tags: tags
    subnetId: network!.outputs.privateEndpointSubnetId
    serviceId: storage.outputs.id
    groupId: 'blob'
    privateDnsZoneName: 'privatelink.blob.${environment().suffixes.storage}'
    virtualNetworkId: network!.outputs.id
  }
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'function-app'
  scope: resourceGroup
  // The app starts reading its deployment package and host storage right away: through the endpoints, once they
  // and their DNS records exist.
  dependsOn: [
    blobPrivateEndpoint
    sqlPrivateEndpoint
  ]
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
    virtualNetworkSubnetId: vnetEnabled ? network!.outputs.appSubnetId : ''
    authTenantId: empty(authTenantId) ? tenant().tenantId : authTenantId
    authAudience: authAudience
    authInstance: environment().authentication.loginEndpoint
    corsAllowedOrigins: checkedCorsAllowedOrigins
    appServiceAuthEnabled: appServiceAuthEnabled
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
// The hook opens public access for its own run only when the server has none (the private deployment).
output AZURE_VNET_ENABLED bool = vnetEnabled
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output AZURE_FUNCTION_APP_URL string = 'https://${functionApp.outputs.defaultHostName}'
output AZURE_FUNCTION_IDENTITY_NAME string = identity.outputs.name
output AZURE_FUNCTION_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output AZURE_FUNCTION_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
// What a front end signs in against: the API's tenant and audience (README: sign-in).
output AZURE_AUTH_TENANT_ID string = empty(authTenantId) ? tenant().tenantId : authTenantId
output AZURE_AUTH_AUDIENCE string = authAudience
output AZURE_OPENAPI_URL string = 'https://${functionApp.outputs.defaultHostName}/api/openapi.json'
