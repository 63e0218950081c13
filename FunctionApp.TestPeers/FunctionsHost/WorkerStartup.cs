using AzureSqlFunctions.TestPeers.FunctionsHost.Rpc;

namespace AzureSqlFunctions.TestPeers.FunctionsHost;

/// <summary>
/// The host's start-up conversation with a dotnet-isolated worker: start the process, StartStream,
/// WorkerInitRequest, FunctionsMetadataRequest (worker indexing), then one FunctionLoadRequest per function.
/// </summary>
internal static class WorkerStartup
{
    public sealed record StartedWorker(
        WorkerProcess Process, WorkerConnection Connection, string WorkerId, string AppDirectory, WorkerInitResponse Init, IReadOnlyList<IndexedFunction> Functions);

    /// <exception cref="WorkerStartException">Any step failed; a worker still running is killed.</exception>
    public static async Task<StartedWorker> RunAsync(FunctionsHostOptions options, string workerPath, RpcServer server)
    {
        var appDirectory = Path.GetDirectoryName(workerPath)!;
        var workerId = Guid.NewGuid().ToString();
        var process = WorkerProcess.Start(
            options.DotnetPath ?? Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet",
            WorkerStartArguments.For(workerPath, server.Uri, workerId, Guid.NewGuid().ToString(), options.MaxMessageLength),
            appDirectory,
            WorkerEnvironment(options, appDirectory));
        try
        {
            var stages = new StartupStages(process, options.StartupTimeout);
            var connection = await stages.Await(server.Connected, "the worker to open its EventStream", null);
            var start = await stages.Await(connection.Started, "StartStream", connection);
            if (start.StartStream.WorkerId != workerId)
            {
                throw stages.Failure($"StartStream named worker '{start.StartStream.WorkerId}', not '{workerId}'.", connection);
            }

            var initRequest = new WorkerInitRequest { HostVersion = options.HostVersion, WorkerDirectory = appDirectory, FunctionAppDirectory = appDirectory };
            initRequest.Capabilities.Add(options.HostCapabilities);
            var init = (await stages.Await(connection.InitializeAsync(initRequest), "WorkerInitResponse", connection)).WorkerInitResponse;
            if (init.Result?.Status != StatusResult.Types.Status.Success)
            {
                throw stages.Failure($"WorkerInitResponse reported {init.Result?.Status}: {WorkerError.From(init.Result?.Exception)}", connection);
            }

            var indexing = connection.IndexAsync(new FunctionsMetadataRequest { FunctionAppDirectory = appDirectory });
            var metadata = (await stages.Await(indexing, "FunctionMetadataResponse", connection)).FunctionMetadataResponse;
            if (metadata.Result?.Status != StatusResult.Types.Status.Success)
            {
                throw stages.Failure($"Worker indexing failed: {WorkerError.From(metadata.Result?.Exception)}", connection);
            }

            if (metadata.UseDefaultMetadataIndexing)
            {
                throw stages.Failure("The worker asked for host indexing (function.json files); the peer supports worker indexing only.", connection);
            }

            var functions = await LoadAsync(metadata.FunctionMetadataResults, connection, stages);
            return new StartedWorker(process, connection, workerId, appDirectory, init, functions);
        }
        catch
        {
            process.Dispose();
            throw;
        }
    }

    /// <summary>The host's variables first (the worker refuses FunctionLoadRequests without one of them), then the app settings.</summary>
    private static IEnumerable<KeyValuePair<string, string?>> WorkerEnvironment(FunctionsHostOptions options, string appDirectory) =>
    [
        new("FUNCTIONS_WORKER_DIRECTORY", appDirectory),
        new("FUNCTIONS_APPLICATION_DIRECTORY", appDirectory),
        .. options.AppSettings,
    ];

    /// <summary>Sends every FunctionLoadRequest, then collects the answers; a refused load is kept on the function.</summary>
    private static async Task<IReadOnlyList<IndexedFunction>> LoadAsync(IEnumerable<RpcFunctionMetadata> indexed, WorkerConnection connection, StartupStages stages)
    {
        var loads = new List<(RpcFunctionMetadata Metadata, IReadOnlyList<FunctionBinding> Bindings, Task<StreamingMessage> Response)>();
        foreach (var metadata in indexed)
        {
            var bindings = metadata.RawBindings.Select(FunctionBinding.Parse).ToList();
            loads.Add((metadata, bindings, connection.LoadAsync(LoadRequest(metadata, bindings))));
        }

        var functions = new List<IndexedFunction>();
        foreach (var (metadata, bindings, response) in loads)
        {
            var loaded = (await stages.Await(response, $"FunctionLoadResponse for {metadata.Name}", connection)).FunctionLoadResponse;
            var loadError = loaded.Result?.Status == StatusResult.Types.Status.Success
                ? null
                : WorkerError.From(loaded.Result?.Exception) ?? new WorkerError(null, "The worker refused the FunctionLoadRequest without saying why.", null, null, false);
            functions.Add(new IndexedFunction(
                metadata.Name, metadata.FunctionId, metadata.EntryPoint, metadata.ScriptFile, metadata.Language, bindings,
                RetryPolicy.From(metadata.RetryOptions), new Dictionary<string, string>(metadata.Properties, StringComparer.Ordinal), loadError));
        }

        return functions;
    }

    /// <summary>What the host sends back for a worker-indexed function: its identity, script file, entry point and bindings.</summary>
    private static FunctionLoadRequest LoadRequest(RpcFunctionMetadata metadata, IReadOnlyList<FunctionBinding> bindings)
    {
        var request = new FunctionLoadRequest
        {
            FunctionId = metadata.FunctionId,
            Metadata = new RpcFunctionMetadata
            {
                Name = metadata.Name,
                Directory = metadata.Directory,
                EntryPoint = metadata.EntryPoint,
                ScriptFile = metadata.ScriptFile,
                IsProxy = false,
            },
        };
        foreach (var binding in bindings)
        {
            var info = new BindingInfo { Type = binding.Type, Direction = (BindingInfo.Types.Direction)(int)binding.Direction };
            if (Enum.TryParse<BindingInfo.Types.DataType>(binding.DataType, ignoreCase: true, out var dataType))
            {
                info.DataType = dataType;
            }

            request.Metadata.Bindings.Add(binding.Name, info);
        }

        request.Metadata.Properties.Add(metadata.Properties);
        return request;
    }
}
