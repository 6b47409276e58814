using System.Buffers;
using System.Text.Json;
using RetroIm.Im.Protocol;
using RetroIm.Im.Rights;

namespace RetroIm.Im;

public sealed partial class ImClient
{
    /// <summary>
    /// Issues a connect URL (see <see cref="PrevConnectServerAsync(string, string?, CancellationToken)"/>) whose
    /// connection holds <paramref name="rights"/>: what the client may do by itself over its socket, e.g.
    /// <c>["event.typing", "joinLeaveChan.retro:*", "sendToChan.retro:42"]</c> (rules and wildcards: <see cref="ImRights"/>).
    /// Without rights a client can only receive; anything not granted is answered with a <c>forbidden</c> error frame.
    /// </summary>
    /// <exception cref="ArgumentException">The client id or a right is malformed.</exception>
    public Task<string> PrevConnectServerAsync(string clientId, string? clientMetaData, IEnumerable<string>? rights, CancellationToken cancellationToken = default)
        => IssueConnectUrlAsync(clientId, clientMetaData, ValidRights(rights), cancellationToken);

    /// <summary>
    /// Grants <paramref name="right"/> to every connection <paramref name="clientId"/> has now, and completes once the
    /// nodes holding them applied it (bounded by <see cref="ImHelperOptions.ReceiptTimeout"/>). Rights live with a
    /// connection: a later connection holds what its connect URL granted, so grant there too.
    /// </summary>
    public Task GrantAsync(string clientId, string right, CancellationToken cancellationToken = default)
        => GrantAsync(clientId, [right], cancellationToken);

    /// <inheritdoc cref="GrantAsync(string, string, CancellationToken)"/>
    public Task GrantAsync(string clientId, IEnumerable<string> rights, CancellationToken cancellationToken = default)
        => ChangeRightsAsync(RelayPacketKind.Grant, clientId, rights, cancellationToken);

    /// <summary>
    /// Takes rights back from every connection <paramref name="clientId"/> has now. Only a right granted with exactly
    /// the same string goes: revoking <c>event.typing</c> leaves <c>event.*</c> in place.
    /// </summary>
    public Task RevokeAsync(string clientId, string right, CancellationToken cancellationToken = default)
        => RevokeAsync(clientId, [right], cancellationToken);

    /// <inheritdoc cref="RevokeAsync(string, string, CancellationToken)"/>
    public Task RevokeAsync(string clientId, IEnumerable<string> rights, CancellationToken cancellationToken = default)
        => ChangeRightsAsync(RelayPacketKind.Revoke, clientId, rights, cancellationToken);

    private async Task ChangeRightsAsync(RelayPacketKind kind, string clientId, IEnumerable<string> rights, CancellationToken cancellationToken)
    {
        ValidateClientId(clientId);
        ArgumentNullException.ThrowIfNull(rights);
        var list = ValidRights(rights);
        if (list is null) return;
        var id = MessageIds.New(_time.GetUtcNow());
        await PublishAwaitingReportsAsync(id, [clientId], new RelayHeader(kind, To: [clientId]), RightsBody(list), cancellationToken).ConfigureAwait(false);
    }

    private static List<string>? ValidRights(IEnumerable<string>? rights)
    {
        if (rights is null) return null;
        var list = new List<string>();
        foreach (var right in rights)
        {
            ImRights.Validate(right, nameof(rights));
            if (!list.Contains(right)) list.Add(right);
        }
        return list.Count == 0 ? null : list;
    }

    /// <summary>The body of grant/revoke packets: a JSON array of rights.</summary>
    private static byte[] RightsBody(List<string> rights)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var right in rights) writer.WriteStringValue(right);
            writer.WriteEndArray();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
