// The sizing rules, shared: main.bicepparam applies them while azd builds the parameters (a broken rule stops
// `azd provision` before anything reaches Azure) and main.bicep applies them again at deployment validation, so a
// deployment with other parameters cannot skip them. Nothing here is a resource; main.bicep only imports from it.

@export()
@description('Documented "Max concurrent workers" of serverless General Purpose, standard-series (Gen5), by max vCores (75 per vCore). Each request that is running a query holds one worker.')
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

@export()
@description('Largest max vCores the free offer allows while it pauses the database when the monthly free amount is used up.')
var freeLimitMaxVCores = 4

@export()
@description('What the sizing rules read: the values azd passes to main.bicep.')
type sizing = {
  @description('Max vCores of the serverless database (sqlSkuCapacity).')
  sqlSkuCapacity: int

  @description('Max Pool Size of the app\'s connection string: connections one instance may hold.')
  sqlMaxPoolSize: int

  @description('On-demand instances of the HTTP function group (functionAppConfig.scaleAndConcurrency.maximumInstanceCount).')
  maximumInstanceCount: int

  @description('Instances outside the HTTP group that hold SQL connections: one per timer function (each timer runs as a singleton in its own group).')
  singletonFunctionInstances: int

  @description('Concurrent HTTP invocations per instance (triggers.http.perInstanceConcurrency).')
  httpPerInstanceConcurrency: int

  @description('Workers kept free for the schema deployment, the grant and admin tools.')
  sqlReservedWorkers: int

  @description('Whether the database uses the free offer with AutoPause.')
  useFreeLimit: bool
}

@export()
@description('The documented worker limit of a size, or 0 for a size the table does not know.')
func workerLimit(vCores int) int => serverlessWorkerLimits[?string(vCores)] ?? 0

@export()
@description('Concurrent SQL requests the instances the platform promises can run: every instance at its full pool, plus the reserve.')
func peakSqlRequests(s sizing) int => s.sqlMaxPoolSize * (s.maximumInstanceCount + s.singletonFunctionInstances) + s.sqlReservedWorkers

@export()
@description('One sentence per broken rule, each naming the azd environment values to change; empty when the sizing holds.')
func sizingProblems(s sizing) string[] => filter([
  workerLimit(s.sqlSkuCapacity) == 0
    ? 'AZURE_SQL_SKU_CAPACITY ${s.sqlSkuCapacity} is not a serverless General Purpose Gen5 size; use one of ${join(map(sort(map(items(serverlessWorkerLimits), size => int(size.key)), (a, b) => a < b), size => string(size)), ', ')}.'
    : ''
  workerLimit(s.sqlSkuCapacity) > 0 && peakSqlRequests(s) > workerLimit(s.sqlSkuCapacity)
    ? 'Concurrent SQL work can reach ${peakSqlRequests(s)} requests (Max Pool Size ${s.sqlMaxPoolSize} x (${s.maximumInstanceCount} HTTP instances + ${s.singletonFunctionInstances} timer) + ${s.sqlReservedWorkers} reserved), more than the ${workerLimit(s.sqlSkuCapacity)} workers of GP_S_Gen5_${s.sqlSkuCapacity}; past them Azure SQL refuses new requests with error 10928. Lower AZURE_SQL_MAX_POOL_SIZE or AZURE_FUNCTION_MAXIMUM_INSTANCE_COUNT, or raise AZURE_SQL_SKU_CAPACITY.'
    : ''
  s.httpPerInstanceConcurrency > s.sqlMaxPoolSize
    ? 'AZURE_FUNCTION_HTTP_CONCURRENCY ${s.httpPerInstanceConcurrency} is more than AZURE_SQL_MAX_POOL_SIZE ${s.sqlMaxPoolSize}: each invocation holds one connection, so the ones beyond the pool would wait for it. Lower AZURE_FUNCTION_HTTP_CONCURRENCY or raise AZURE_SQL_MAX_POOL_SIZE.'
    : ''
  s.useFreeLimit && s.sqlSkuCapacity > freeLimitMaxVCores
    ? 'The free offer (AZURE_SQL_USE_FREE_LIMIT=true, paused when the monthly free amount is used up) allows at most ${freeLimitMaxVCores} vCores, not AZURE_SQL_SKU_CAPACITY ${s.sqlSkuCapacity}. Lower AZURE_SQL_SKU_CAPACITY or set AZURE_SQL_USE_FREE_LIMIT=false.'
    : ''
], problem => !empty(problem))

@export()
@description('Whether an environment value is a whole number int() can read: digits only, at most nine of them.')
func isWholeNumber(text string) bool => !empty(text) && length(text) <= 9 && empty(filter(
  map(range(0, length(text)), index => substring(text, index, 1)),
  character => !contains('0123456789', character)
))
