// The app's user-assigned managed identity: one identity for host storage, deployment storage,
// Application Insights ingestion and Azure SQL, so every grant can be made before the app exists.

@description('Name of the user-assigned managed identity.')
param name string

@description('Azure region.')
param location string

@description('Tags applied to the identity.')
param tags object = {}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: name
  location: location
  tags: tags
}

output resourceId string = identity.id
output name string = identity.name
output clientId string = identity.properties.clientId
// Azure SQL's CREATE USER ... WITH OBJECT_ID takes the service principal's object id, which is this.
output principalId string = identity.properties.principalId
