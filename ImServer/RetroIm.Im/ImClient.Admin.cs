using RetroIm.Im.Backplane;

namespace RetroIm.Im;

public sealed partial class ImClient
{
    /// <summary>
    /// Which nodes hold connections of <paramref name="clientId"/>, and how many each (empty when the client is
    /// offline) — what ops ask first when one user reports trouble. Each node's figures are in
    /// <see cref="NodeInfo.Stats"/> of <see cref="GetNodesAsync"/>.
    /// </summary>
    public Task<IReadOnlyDictionary<string, long>> WhoAsync(string clientId, CancellationToken cancellationToken = default)
    {
        ValidateClientId(clientId);
        return _backplane.GetClientNodesAsync(clientId, cancellationToken);
    }
}
