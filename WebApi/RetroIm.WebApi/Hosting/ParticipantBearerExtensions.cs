namespace RetroIm.WebApi.Hosting;

internal static class ParticipantBearerExtensions
{
    /// <summary>Marks the endpoint as needing a participant's bearer token (shown in the OpenAPI document).</summary>
    public static TBuilder RequireParticipant<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(ParticipantBearer.Instance);
}
