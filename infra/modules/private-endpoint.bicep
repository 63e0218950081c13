// A private endpoint for one sub-resource of a service, with the private DNS zone that makes the service's
// public name resolve to the endpoint inside the network (zone, link to the network, zone group).

@description('Name of the private endpoint.')
param name string

@description('Azure region of the endpoint.')
param location string

@description('Tags applied to endpoint, zone and link.')
param tags object = {}

@description('Subnet the endpoint\'s network interface lives in.')
param subnetId string

@description('Resource id of the service the endpoint connects to.')
param serviceId string

@description('Sub-resource (group id) of the service, e.g. sqlServer or blob.')
param groupId string

@description('Private DNS zone for that sub-resource, e.g. privatelink.database.windows.net.')
param privateDnsZoneName string

@description('Resource id of the virtual network the zone is linked to.')
param virtualNetworkId string

resource zone 'Microsoft.Network/privateDnsZones@2024-06-01' = {
  name: privateDnsZoneName
  location: 'global'
  tags: tags

  resource link 'virtualNetworkLinks' = {
    name: '${name}-link'
    location: 'global'
    tags: tags
    properties: {
      registrationEnabled: false
      virtualNetwork: {
        id: virtualNetworkId
      }
    }
  }
}

resource endpoint 'Microsoft.Network/privateEndpoints@2025-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    subnet: {
      id: subnetId
    }
    privateLinkServiceConnections: [
      {
        name: name
        properties: {
          privateLinkServiceId: serviceId
          groupIds: [
            groupId
          ]
        }
      }
    ]
  }

  // Writes the endpoint's A record into the zone and keeps it current.
  resource zoneGroup 'privateDnsZoneGroups' = {
    name: 'default'
    properties: {
      privateDnsZoneConfigs: [
        {
          name: replace(privateDnsZoneName, '.', '-')
          properties: {
            privateDnsZoneId: zone.id
          }
        }
      ]
    }
  }
}

output id string = endpoint.id
