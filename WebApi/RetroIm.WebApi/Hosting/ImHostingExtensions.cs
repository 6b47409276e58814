using RetroIm.Im;
using RetroIm.Relay;

namespace RetroIm.WebApi.Hosting;

/// <summary>
/// Wires ImHelper. With <c>ImHelper:Redis</c> the app talks to an ImServer cluster through Redis; without it the app is
/// the single embedded node: ImHelper and the relay share one in-memory backplane and <c>/ws</c> is served here.
/// </summary>
internal static class ImHostingExtensions
{
    public static WebApplicationBuilder AddRetroIm(this WebApplicationBuilder builder)
    {
        builder.Services.AddImHelper(builder.Configuration.GetSection("ImHelper"));
        if (IsEmbedded(builder.Configuration)) builder.Services.AddImRelay(builder.Configuration.GetSection("ImServer"));
        return builder;
    }

    public static WebApplication MapEmbeddedRelay(this WebApplication app)
    {
        if (!IsEmbedded(app.Configuration)) return app;
        app.MapImRelay("/ws");
        return app;
    }

    public static bool IsEmbedded(IConfiguration configuration) => string.IsNullOrWhiteSpace(configuration["ImHelper:Redis"]);
}
