namespace RetroIm.WebApi.Push;

/// <summary>ImServer channel names used by the retro app.</summary>
internal static class RetroChannels
{
    public static string For(string retroId) => "retro:" + retroId;
}
