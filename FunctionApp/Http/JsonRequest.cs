namespace AzureSqlFunctions.Http;

/// <summary>A request body as the handler sees it: the declared media type and the raw stream (never buffered ahead).</summary>
/// <param name="ContentType">The Content-Type header, or null when absent.</param>
/// <param name="Body">The request stream; the reader takes at most <see cref="JsonBodyReader.MaxBytes"/> + 1 bytes from it.</param>
internal sealed record JsonRequest(string? ContentType, Stream Body);
