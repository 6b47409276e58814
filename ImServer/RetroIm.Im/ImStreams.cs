namespace RetroIm.Im;

/// <summary>
/// Names of the positioned message streams (README "Delivery guarantees"). Every direct message to a client and every
/// channel message gets a position in one of these streams; broadcasts have none.
/// </summary>
public static class ImStreams
{
    /// <summary>The prefix of a client's stream.</summary>
    public const string ClientPrefix = "c:";

    /// <summary>The prefix of a channel's stream.</summary>
    public const string ChanPrefix = "ch:";

    /// <summary>The stream of the direct messages to <paramref name="clientId"/>: <c>c:{clientId}</c>.</summary>
    public static string Client(string clientId) => ClientPrefix + clientId;

    /// <summary>The stream of the messages on <paramref name="chan"/>: <c>ch:{chan}</c>.</summary>
    public static string Chan(string chan) => ChanPrefix + chan;
}
