namespace RetroIm.WebApi.Retros;

/// <summary>
/// The new participant's id (its ImServer clientId), its bearer token for later calls (shown once, stored hashed),
/// and a single-use WebSocket URL; <c>connectUrl</c> is null when no relay node was reachable (ask /connect later).
/// </summary>
internal sealed record JoinRetroResponse(string ParticipantId, string Token, string? ConnectUrl);
