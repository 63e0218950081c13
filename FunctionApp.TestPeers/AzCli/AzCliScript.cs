using System.Globalization;

namespace AzureSqlFunctions.TestPeers.AzCli;

/// <summary>The text of the <c>az</c> executable the stand-in puts on PATH.</summary>
internal static class AzCliScript
{
    public const string FileName = "az";

    /// <summary>
    /// A bash script that hands its arguments to the test process over loopback TCP (bash's /dev/tcp, so no
    /// curl is needed) and replays the answer. Wire format, one item a line: it sends the argument count then
    /// each argument; it receives the exit code, "out" or "err", then the text for that stream until EOF.
    /// </summary>
    public static string For(int port) =>
        """
        #!/bin/bash
        # Azure CLI stand-in written by AzCliStandIn for one test; the test process decides every answer.
        exec 3<>/dev/tcp/127.0.0.1/{PORT} || exit 70
        printf '%s\n' "$#" "$@" >&3
        IFS= read -r code <&3
        IFS= read -r stream <&3
        if [ "$stream" = err ]; then exec 1>&2; fi
        while IFS= read -r line <&3 || [ -n "$line" ]; do printf '%s\n' "$line"; done
        exit "${code:-70}"

        """.Replace("{PORT}", port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
}
