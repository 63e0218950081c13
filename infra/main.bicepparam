// Parameters for `azd provision`: azd builds this file with `bicep build-params`, its environment values
// (`azd env set NAME value`) readable through readEnvironmentVariable. A value that cannot be read, or a sizing
// that breaks a rule of sizing.bicep, stops the build with one message that lists every problem and names the
// values to change, before anything is sent to Azure.
using 'main.bicep'

import { isWholeNumber, sizingProblems } from 'sizing.bicep'
import { corsOriginProblems, originList } from 'cors.bicep'

param environmentName = readEnvironmentVariable('AZURE_ENV_NAME')
param location = readEnvironmentVariable('AZURE_LOCATION')
// azd supplies the signed-in principal's object id; it becomes the SQL server's Entra admin.
param principalId = readEnvironmentVariable('AZURE_PRINCIPAL_ID')
param sqlAdminLogin = readEnvironmentVariable('AZURE_SQL_ADMIN_LOGIN')
param sqlAdminPrincipalType = readEnvironmentVariable('AZURE_SQL_ADMIN_PRINCIPAL_TYPE', 'User')

// Text as azd stores it; each value is checked below before it is used.
var vnetEnabledText = toLower(readEnvironmentVariable('AZURE_VNET_ENABLED', 'true'))
var useFreeLimitText = toLower(readEnvironmentVariable('AZURE_SQL_USE_FREE_LIMIT', 'false'))
var sqlSkuCapacityText = readEnvironmentVariable('AZURE_SQL_SKU_CAPACITY', '4')
var sqlMaxPoolSizeText = readEnvironmentVariable('AZURE_SQL_MAX_POOL_SIZE', '7')
var maximumInstanceCountText = readEnvironmentVariable('AZURE_FUNCTION_MAXIMUM_INSTANCE_COUNT', '40')
var httpPerInstanceConcurrencyText = readEnvironmentVariable('AZURE_FUNCTION_HTTP_CONCURRENCY', '7')
var sqlReservedWorkersText = readEnvironmentVariable('AZURE_SQL_RESERVED_WORKERS', '10')
// Sign-in and browsers (README: sign-in): the API's app registration, and the front ends' origins.
var authAudienceText = trim(readEnvironmentVariable('AZURE_AUTH_AUDIENCE', ''))
var authTenantIdText = trim(readEnvironmentVariable('AZURE_AUTH_TENANT_ID', ''))
var corsAllowedOriginList = originList(readEnvironmentVariable('AZURE_CORS_ALLOWED_ORIGINS', ''))
var appServiceAuthText = toLower(readEnvironmentVariable('AZURE_APP_SERVICE_AUTH_ENABLED', 'false'))

var settingProblems = filter([
  contains(['true', 'false'], vnetEnabledText) ? '' : 'AZURE_VNET_ENABLED must be true or false, not "${vnetEnabledText}".'
  contains(['true', 'false'], useFreeLimitText) ? '' : 'AZURE_SQL_USE_FREE_LIMIT must be true or false, not "${useFreeLimitText}".'
  isWholeNumber(sqlSkuCapacityText) ? '' : 'AZURE_SQL_SKU_CAPACITY must be a whole number, not "${sqlSkuCapacityText}".'
  isWholeNumber(sqlMaxPoolSizeText) ? '' : 'AZURE_SQL_MAX_POOL_SIZE must be a whole number, not "${sqlMaxPoolSizeText}".'
  isWholeNumber(maximumInstanceCountText) ? '' : 'AZURE_FUNCTION_MAXIMUM_INSTANCE_COUNT must be a whole number, not "${maximumInstanceCountText}".'
  isWholeNumber(httpPerInstanceConcurrencyText) ? '' : 'AZURE_FUNCTION_HTTP_CONCURRENCY must be a whole number, not "${httpPerInstanceConcurrencyText}".'
  isWholeNumber(sqlReservedWorkersText) ? '' : 'AZURE_SQL_RESERVED_WORKERS must be a whole number, not "${sqlReservedWorkersText}".'
  empty(authAudienceText) ? 'AZURE_AUTH_AUDIENCE must be set to the API app registration\'s client id (azd env set AZURE_AUTH_AUDIENCE <appId>; README: sign-in).' : ''
  contains(['true', 'false'], appServiceAuthText) ? '' : 'AZURE_APP_SERVICE_AUTH_ENABLED must be true or false, not "${appServiceAuthText}".'
  join(corsOriginProblems(corsAllowedOriginList), ' ')
], problem => !empty(problem))

// Private by default (README: what vnetEnabled=false exposes).
param vnetEnabled = vnetEnabledText == 'true'
param useFreeLimit = useFreeLimitText == 'true'
param authAudience = empty(authAudienceText) ? 'unset' : authAudienceText
param authTenantId = authTenantIdText
param corsAllowedOrigins = corsAllowedOriginList
param appServiceAuthEnabled = appServiceAuthText == 'true'

// Unreadable numbers become 0 here only to keep the build going to the message below.
param sqlSkuCapacity = isWholeNumber(sqlSkuCapacityText) ? int(sqlSkuCapacityText) : 0
param maximumInstanceCount = isWholeNumber(maximumInstanceCountText) ? int(maximumInstanceCountText) : 0
param httpPerInstanceConcurrency = isWholeNumber(httpPerInstanceConcurrencyText) ? int(httpPerInstanceConcurrencyText) : 0
param sqlReservedWorkers = isWholeNumber(sqlReservedWorkersText) ? int(sqlReservedWorkersText) : 0
// The app has one timer function (the purge), which Flex runs as a singleton on instances of its own.
param singletonFunctionInstances = 1
var requestedSqlMaxPoolSize = isWholeNumber(sqlMaxPoolSizeText) ? int(sqlMaxPoolSizeText) : 0

// Defaults: 7 x (40 + 1) + 10 = 297 of the 300 workers of GP_S_Gen5_4, the largest size the free offer allows.
var problems = concat(settingProblems, empty(settingProblems) ? sizingProblems({
  sqlSkuCapacity: sqlSkuCapacity
  sqlMaxPoolSize: requestedSqlMaxPoolSize
  maximumInstanceCount: maximumInstanceCount
  singletonFunctionInstances: singletonFunctionInstances
  httpPerInstanceConcurrency: httpPerInstanceConcurrency
  sqlReservedWorkers: sqlReservedWorkers
  useFreeLimit: useFreeLimit
}) : [])

// The one parameter that fails: a failing parameter that others read would crash the Bicep CLI instead of
// printing the message, so every problem is reported here.
param sqlMaxPoolSize = empty(problems) ? requestedSqlMaxPoolSize : fail('main.bicepparam: ${join(problems, ' ')}')
