// Storage for the Functions host (AzureWebJobsStorage) and for Flex Consumption deployment
// packages. Keys are disabled: everything authenticates with the app's managed identity.

@description('Name of the storage account (3-24 lowercase letters and digits).')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region.')
param location string

@description('Tags applied to the account.')
param tags object = {}

@description('Blob container that holds the app\'s deployment packages.')
param deploymentContainerName string

@description('Principal (object) id of the app\'s managed identity.')
param appPrincipalId string

@description('Private deployment: no public endpoint; the app reaches blobs through a private endpoint.')
param vnetEnabled bool

// Storage Blob Data Owner: the role the Functions docs name for an identity-based
// AzureWebJobsStorage. The host keeps its keys and the timer trigger's singleton lease in blobs,
// and Flex Consumption reads and writes deployment packages in the container below.
// Not granted, on purpose (least privilege):
// - Storage Queue Data Contributor: only blob- and queue-triggered functions need queues; this
//   app has HTTP and timer triggers only.
// - Storage Table Data Contributor: the host writes its diagnostic events to tables only
//   through a connection string (azure-functions-host#10163), so an identity gains nothing.
var storageBlobDataOwnerRoleId = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'

resource storage 'Microsoft.Storage/storageAccounts@2025-06-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    supportsHttpsTrafficOnly: true
    minimumTlsVersion: 'TLS1_2'
    // Private: only the blob private endpoint reaches the account (the host and Flex deployments use blobs only:
    // HTTP and timer triggers need no queues or tables). Public: Flex Consumption without VNet integration reaches
    // storage over its public endpoint, limited to Entra-authorised principals because keys are off.
    publicNetworkAccess: vnetEnabled ? 'Disabled' : 'Enabled'
    networkAcls: vnetEnabled
      ? {
          defaultAction: 'Deny'
          bypass: 'None'
        }
      : {
          defaultAction: 'Allow'
          bypass: 'AzureServices'
        }
  }

  resource blobService 'blobServices' = {
    name: 'default'

    resource deploymentContainer 'containers' = {
      name: deploymentContainerName
      properties: {
        publicAccess: 'None'
      }
    }
  }
}

resource appBlobDataOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, appPrincipalId, storageBlobDataOwnerRoleId)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataOwnerRoleId)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output id string = storage.id
output name string = storage.name
output blobEndpoint string = storage.properties.primaryEndpoints.blob
output deploymentContainerName string = storage::blobService::deploymentContainer.name
