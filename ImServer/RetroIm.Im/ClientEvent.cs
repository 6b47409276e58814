using System.Text.Json;

namespace RetroIm.Im;

/// <summary>
/// A client sent <c>{"type":"event","event":"typing","data":{…}}</c> and held the right <c>event.typing</c>: its node
/// appended it to the client-event stream, and <see cref="ImClient.OnClientEvent(string, Func{ClientEvent, CancellationToken, Task})"/>
/// handlers receive it at least once.
/// </summary>
/// <param name="Id">The stream entry id (Redis: <c>1700000000000-0</c>); the same on every redelivery, so handlers can de-duplicate.</param>
/// <param name="Event">The event name the client sent.</param>
/// <param name="Data">The client's <c>data</c> (JSON <c>null</c> when it sent none).</param>
/// <param name="ClientId">Who sent it: the client id its connect URL was issued for (not something the client claims).</param>
/// <param name="ConnectionId">The sending connection (one client may have several).</param>
/// <param name="Node">The relay node that accepted it.</param>
/// <param name="Metadata">The <c>clientMetaData</c> given to <c>PrevConnectServerAsync</c> for that connection.</param>
/// <param name="Ts">Unix milliseconds when the node accepted it.</param>
public sealed record ClientEvent(string Id, string Event, JsonElement Data, string ClientId, string ConnectionId, string Node, string? Metadata, long Ts)
{
    /// <summary>Deserialises <see cref="Data"/> (System.Text.Json, web defaults unless <paramref name="options"/> is given).</summary>
    public T? DataAs<T>(JsonSerializerOptions? options = null) => Data.Deserialize<T>(options ?? JsonSerializerOptions.Web);
}
