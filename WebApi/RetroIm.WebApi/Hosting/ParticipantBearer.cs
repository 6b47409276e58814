namespace RetroIm.WebApi.Hosting;

/// <summary>
/// Endpoint metadata: the endpoint needs <c>Authorization: Bearer &lt;token&gt;</c> of a participant of the retro in its
/// route. The check itself is in the command (it needs the retro); this only documents it in OpenAPI.
/// </summary>
internal sealed class ParticipantBearer
{
    public const string SchemeName = "participant";

    public static readonly ParticipantBearer Instance = new();
}
