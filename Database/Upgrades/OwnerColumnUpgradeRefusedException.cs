namespace AzureSqlFunctions.Database.Upgrades;

/// <summary>The upgrade stopped before changing anything (its transaction was rolled back): the message says why.</summary>
internal sealed class OwnerColumnUpgradeRefusedException : Exception
{
    public OwnerColumnUpgradeRefusedException()
    {
    }

    public OwnerColumnUpgradeRefusedException(string message)
        : base(message)
    {
    }

    public OwnerColumnUpgradeRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
