using System.Runtime.CompilerServices;

// The host peer's own tests check its routing and message shapes directly, without a worker.
[assembly: InternalsVisibleTo("FunctionApp.Tests")]
