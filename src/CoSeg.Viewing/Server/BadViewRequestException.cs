namespace CoSeg.Viewing.Server;

/// <summary>A request parameter is missing or invalid; answered with 400 and this message.</summary>
internal sealed class BadViewRequestException(string message) : Exception(message);
