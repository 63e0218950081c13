// .NET isolated Function App on the Flex Consumption plan, running as the user-assigned identity.

@description('Name of the Function App.')
param name string

@description('Name of the Flex Consumption plan.')
param planName string

@description('Azure region.')
param location string

@description('Tags applied to plan and app (the app also gets azd\'s service tag).')
param tags object = {}

@description('azd service name this app hosts (matches azure.yaml).')
param azdServiceName string

@description('Resource id of the user-assigned managed identity the app runs as.')
param identityResourceId string

@description('Client id of that identity (what Azure.Identity and the Functions host ask for).')
param identityClientId string

@description('Name of the storage account for AzureWebJobsStorage.')
param storageAccountName string

@description('Blob endpoint of that account, ending in "/".')
param storageBlobEndpoint string

@description('Container that holds the deployment packages.')
param deploymentContainerName string

@description('Application Insights connection string.')
param applicationInsightsConnectionString string

@description('Fully qualified name of the Azure SQL logical server.')
param sqlServerFqdn string

@description('Name of the Azure SQL database.')
param sqlDatabaseName string

@description('Max Pool Size written into the SQL connection string (checked against the database\'s worker limit in main.bicep).')
@minValue(1)
param sqlMaxPoolSize int

@description('Maximum on-demand instances per function group (documented floor 40; lower only in a few regions, in preview).')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int

@description('Memory per instance in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int

@description('Concurrent HTTP invocations per instance.')
@minValue(1)
@maxValue(1000)
param httpPerInstanceConcurrency int

@description('Subnet (delegated to Microsoft.App/environments) the app integrates with; empty for none.')
param virtualNetworkSubnetId string = ''

@description('NCRONTAB schedule (six fields, UTC) of the purge of soft-deleted todos.')
param purgeSchedule string = '0 0 3 * * *'

@description('Days a soft-deleted todo is kept before the purge removes it.')
@minValue(1)
@maxValue(3650)
param purgeRetentionDays int = 30

@description('Directory (tenant) id whose v2.0 access tokens the app accepts.')
param authTenantId string

@description('Audience the app requires in access tokens (the API app registration\'s client id or application ID URI).')
param authAudience string

@description('Entra authority host of this cloud, ending in "/" (environment().authentication.loginEndpoint).')
param authInstance string

@description('Browser origins allowed by the platform\'s CORS (checked in main.bicep: never *).')
param corsAllowedOrigins array = []

@description('App Service Authentication in front of the app, as a second gate.')
param appServiceAuthEnabled bool = false

// Server/Database only: the credential comes from the app's AccessTokenCallback, so the string
// never carries User ID, Password or Authentication; TLS is required and the certificate checked.
var sqlConnectionString = 'Server=tcp:${sqlServerFqdn},1433;Database=${sqlDatabaseName};Encrypt=True;TrustServerCertificate=False;Connection Timeout=30;Max Pool Size=${sqlMaxPoolSize}'

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true // Linux
  }
}

resource site 'Microsoft.Web/sites@2025-03-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': azdServiceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityResourceId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Outbound traffic to the private endpoints (private addresses) goes through this subnet, and names resolve
    // through the private DNS zones linked to its network.
    virtualNetworkSubnetId: empty(virtualNetworkSubnetId) ? null : virtualNetworkSubnetId
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      // The platform answers preflights and adds Access-Control-Allow-Origin for these origins only. Bearer tokens
      // travel in the Authorization header, not cookies: no credentials. The app itself exposes ETag, Location and
      // Retry-After to scripts (Access-Control-Expose-Headers), which this setting cannot.
      cors: {
        allowedOrigins: corsAllowedOrigins
        supportCredentials: false
      }
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageBlobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityResourceId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
        triggers: {
          http: {
            perInstanceConcurrency: httpPerInstanceConcurrency
          }
        }
      }
      // Flex Consumption takes the worker runtime from here; FUNCTIONS_WORKER_RUNTIME and
      // FUNCTIONS_EXTENSION_VERSION are not accepted as app settings on this plan.
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
  }

  resource appSettings 'config' = {
    name: 'appsettings'
    properties: {
      // Host storage through the identity: no AccountKey anywhere.
      AzureWebJobsStorage__accountName: storageAccountName
      AzureWebJobsStorage__credential: 'managedidentity'
      AzureWebJobsStorage__clientId: identityClientId
      // Telemetry authenticated with the same identity (the component has local auth disabled).
      APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
      APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
      Sql__ConnectionString: sqlConnectionString
      Sql__Credential: 'ManagedIdentity'
      Sql__ManagedIdentityClientId: identityClientId
      // The purge timer's schedule is an app setting (%Maintenance:PurgeSchedule%): without it the host cannot index it.
      Maintenance__PurgeSchedule: purgeSchedule
      Maintenance__RetentionDays: string(purgeRetentionDays)
      // Whose access tokens the app accepts (it validates them itself on every call; README: sign-in).
      Auth__TenantId: authTenantId
      Auth__Audience: authAudience
      Auth__Instance: authInstance
    }
  }

  // The optional second gate: the platform rejects requests without a valid token for the API before they reach the
  // worker. The app never reads the X-MS-CLIENT-PRINCIPAL header this adds; it validates the token itself. The
  // OpenAPI document stays readable without one.
  resource authSettings 'config' = if (appServiceAuthEnabled) {
    name: 'authsettingsV2'
    properties: {
      platform: {
        enabled: true
      }
      globalValidation: {
        requireAuthentication: true
        unauthenticatedClientAction: 'Return401'
        excludedPaths: [
          '/api/openapi.json'
          '/api/health/live'
        ]
      }
      identityProviders: {
        azureActiveDirectory: {
          enabled: true
          registration: {
            openIdIssuer: '${authInstance}${authTenantId}/v2.0'
            clientId: authAudience
          }
          validation: {
            allowedAudiences: [
              authAudience
            ]
          }
        }
      }
      login: {
        tokenStore: {
          enabled: false
        }
      }
    }
  }

  // Publishing only with Entra tokens (azd deploy uses one): no FTP or SCM basic-auth passwords.
  resource ftpBasicAuth 'basicPublishingCredentialsPolicies' = {
    name: 'ftp'
    properties: {
      allow: false
    }
  }

  resource scmBasicAuth 'basicPublishingCredentialsPolicies' = {
    name: 'scm'
    properties: {
      allow: false
    }
  }
}

output name string = site.name
output defaultHostName string = site.properties.defaultHostName
