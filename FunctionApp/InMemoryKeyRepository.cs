using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace AzureSqlFunctions;

/// <summary>
/// Data-protection keys kept in this process's memory and nowhere else. The app protects nothing that must outlive the
/// process (no cookies, no antiforgery tokens), so a key ring on disk would only be a file to warn about and to leak.
/// </summary>
internal sealed class InMemoryKeyRepository : IXmlRepository
{
    private readonly Lock _gate = new();
    private readonly List<XElement> _elements = [];

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        lock (_gate)
        {
            return [.. _elements.Select(element => new XElement(element))];
        }
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        ArgumentNullException.ThrowIfNull(element);
        lock (_gate)
        {
            _elements.Add(new XElement(element));
        }
    }
}
