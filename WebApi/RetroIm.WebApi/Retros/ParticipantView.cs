namespace RetroIm.WebApi.Retros;

/// <summary>A participant on the board; <c>online</c> comes from the relay's presence, not the database.</summary>
internal sealed record ParticipantView(string Id, string Name, bool Online, DateTimeOffset JoinedAt);
