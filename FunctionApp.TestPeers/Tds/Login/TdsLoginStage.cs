using AzureSqlFunctions.TestPeers.Tds.Framing;

namespace AzureSqlFunctions.TestPeers.Tds.Login;

/// <summary>
/// LOGIN7 with FEDAUTH: takes the token from the login (security token library) or asks for it with
/// FEDAUTHINFO (MSAL library, workflow 0x03), validates it and the principal, then answers like Azure SQL.
/// </summary>
internal sealed class TdsLoginStage(TdsServer server, TdsPacketStream packets, bool strict)
{
    /// <summary>True when the login succeeded and the session may serve requests.</summary>
    /// <param name="succeeding">Runs once the login is accepted, before the client can see it, so counts are never behind.</param>
    public async Task<bool> RunAsync(Action succeeding, CancellationToken cancellationToken)
    {
        var message = await packets.ReadMessageAsync(cancellationToken)
            ?? throw new TdsProtocolException("connection closed before LOGIN7");
        if (message.Type != TdsPacketType.Login7)
        {
            throw new TdsProtocolException($"expected LOGIN7, got packet type {message.Type:X2}");
        }

        var login = Login7Request.Parse(message.Payload);
        var (token, refusal) = await ObtainTokenAsync(login.FedAuth, cancellationToken);
        if (token is null)
        {
            return await FailAsync(refusal!, null, cancellationToken);
        }

        if (server.Faults.TakeHeldLogin() is { } held)
        {
            await held.HoldAsync(cancellationToken);
        }

        if (server.Faults.LoginDelay > TimeSpan.Zero)
        {
            await Task.Delay(server.Faults.LoginDelay, cancellationToken);
        }

        var check = await server.Options.Issuer.ValidateAsync(token, server.Options.ServicePrincipalName);
        if (!check.IsValid)
        {
            return await FailAsync($"token rejected: {check.Failure}", null, cancellationToken);
        }

        if (!server.IsAllowed(check.ObjectId!))
        {
            return await FailAsync($"principal {check.ObjectId} is not a contained user", null, cancellationToken);
        }

        var database = server.Options.DatabaseName;
        if (login.Database.Length > 0 && !string.Equals(login.Database, database, StringComparison.OrdinalIgnoreCase))
        {
            var unknown = new TdsError(4060, AzureSqlErrors.MessageFor(4060, login.Database), AzureSqlErrors.SeverityOf(4060));
            return await FailAsync($"database '{login.Database}' does not exist", unknown, cancellationToken);
        }

        if (server.Faults.TakeLoginFault() is { } fault)
        {
            return await FailAsync($"injected login fault {fault.Number}", fault, cancellationToken);
        }

        server.Counters.LoginSucceeded(check.ObjectId!, token);
        succeeding();
        await packets.WriteMessageAsync(
            TdsPacketType.TabularResult,
            LoginResponse.Success(database, login.PacketSize, strict),
            cancellationToken);
        return true;
    }

    private async Task<(string? Token, string? Refusal)> ObtainTokenAsync(FedAuthRequest? fedAuth, CancellationToken cancellationToken)
    {
        if (fedAuth is null)
        {
            return (null, "LOGIN7 has no FEDAUTH feature: only Entra tokens are accepted");
        }

        // The server sent FEDAUTHREQUIRED=01, so a conforming client echoes it.
        if (!fedAuth.Echo)
        {
            return (null, "FEDAUTH echo bit does not match FEDAUTHREQUIRED=01");
        }

        if (fedAuth.Library == FedAuthRequest.SecurityTokenLibrary)
        {
            return (fedAuth.Token, null);
        }

        if (fedAuth.Library != FedAuthRequest.MsalLibrary || fedAuth.Workflow != FedAuthRequest.DefaultWorkflow)
        {
            return (null, $"FEDAUTH library {fedAuth.Library} workflow {fedAuth.Workflow} is not supported");
        }

        // FEDAUTHINFO goes alone, without DONE: a DONE would end the client's login read.
        await packets.WriteMessageAsync(
            TdsPacketType.TabularResult,
            LoginResponse.FedAuthInfo(server.Options.EffectiveStsUrl, server.Options.ServicePrincipalName),
            cancellationToken);
        var reply = await packets.ReadMessageAsync(cancellationToken)
            ?? throw new TdsProtocolException("connection closed before FEDAUTH_TOKEN");
        return reply.Type == TdsPacketType.FederatedAuthToken
            ? (Login7Request.ParseFedAuthToken(reply.Payload), null)
            : throw new TdsProtocolException($"expected FEDAUTH_TOKEN, got packet type {reply.Type:X2}");
    }

    private async Task<bool> FailAsync(string reason, TdsError? error, CancellationToken cancellationToken)
    {
        server.Counters.LoginFailed();
        server.RecordLoginFailure(reason);
        error ??= new TdsError(AzureSqlErrors.LoginFailed, AzureSqlErrors.LoginFailedMessage, AzureSqlErrors.SeverityOf(AzureSqlErrors.LoginFailed));
        await packets.WriteMessageAsync(TdsPacketType.TabularResult, LoginResponse.Failure(error), cancellationToken);
        return false;
    }
}
