// The rules for the browser origins the Function App's CORS allows, shared like sizing.bicep: main.bicepparam
// applies them while azd builds the parameters and main.bicep again at deployment validation. An origin is a scheme
// and host (and port) with no path: https, or plain http for a local front end on localhost; never "*". The API
// takes bearer tokens in the Authorization header, not cookies, so CORS never allows credentials.

@export()
@description('The problems of a list of CORS origins, one message each; empty when every origin is allowed.')
func corsOriginProblems(origins array) array => map(
  filter(origins, origin => origin == '*' || contains(origin, '*') || !(startsWith(origin, 'https://') || origin == 'http://localhost' || startsWith(origin, 'http://localhost:')) || endsWith(origin, '/') || length(split(origin, '/')) != 3),
  origin => 'AZURE_CORS_ALLOWED_ORIGINS: "${origin}" is not an allowed origin: use https://host[:port] (or http://localhost:port for a local front end), without a path or trailing slash, and never *.')

@export()
@description('A comma-separated list as azd stores it, as an array of trimmed, non-empty entries.')
func originList(text string) array => filter(map(split(text, ','), origin => trim(origin)), origin => !empty(origin))
