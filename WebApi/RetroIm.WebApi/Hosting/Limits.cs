namespace RetroIm.WebApi.Hosting;

/// <summary>Field length limits of the API, in UTF-16 characters.</summary>
internal static class Limits
{
    public const int Title = 200;
    public const int Description = 2000;
    public const int Name = 60;
    public const int ActivityPageMax = 200;
    public const int ActivityPageDefault = 50;
}
