// The virtual network of the private deployment: one subnet the Function App integrates with (Flex Consumption
// needs it delegated to Microsoft.App/environments) and one for the private endpoints of SQL and storage.

@description('Name of the virtual network.')
param name string

@description('Azure region.')
param location string

@description('Tags applied to the network.')
param tags object = {}

@description('Address space of the network.')
param addressPrefix string = '10.0.0.0/16'

@description('Subnet for Flex Consumption VNet integration; one Flex app per subnet.')
param appSubnetPrefix string = '10.0.1.0/24'

@description('Subnet that holds the private endpoints.')
param privateEndpointSubnetPrefix string = '10.0.2.0/24'

var appSubnetName = 'app'
var privateEndpointSubnetName = 'private-endpoints'

resource network 'Microsoft.Network/virtualNetworks@2025-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: [
        addressPrefix
      ]
    }
    subnets: [
      {
        name: appSubnetName
        properties: {
          addressPrefix: appSubnetPrefix
          delegations: [
            {
              name: 'flex-consumption'
              properties: {
                serviceName: 'Microsoft.App/environments'
              }
            }
          ]
        }
      }
      {
        name: privateEndpointSubnetName
        properties: {
          addressPrefix: privateEndpointSubnetPrefix
          privateEndpointNetworkPolicies: 'Disabled'
        }
      }
    ]
  }

  resource appSubnet 'subnets' existing = {
    name: appSubnetName
  }

  resource privateEndpointSubnet 'subnets' existing = {
    name: privateEndpointSubnetName
  }
}

output id string = network.id
output appSubnetId string = network::appSubnet.id
output privateEndpointSubnetId string = network::privateEndpointSubnet.id
