using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;

namespace RetroIm.WebApi.Hosting;

/// <summary>
/// Serves the retro page (Clients/web) at <c>/</c> and the JS SDK (Clients/js) at <c>/sdk/</c>. In Development the
/// repository folders are served directly (edit and reload); otherwise the copies the build put in wwwroot/.
/// </summary>
internal static class ClientFilesExtensions
{
    public static WebApplication UseClientFiles(this WebApplication app)
    {
        var (web, sdk) = Locate(app.Environment);
        if (web is not null) Serve(app, web, PathString.Empty);
        if (sdk is not null) Serve(app, sdk, "/sdk");
        return app;
    }

    private static (string? Web, string? Sdk) Locate(IWebHostEnvironment environment)
    {
        if (environment.IsDevelopment() && FindRepositoryClients(environment.ContentRootPath) is { } clients)
        {
            return (Existing(Path.Combine(clients, "web")), Existing(Path.Combine(clients, "js")));
        }
        var wwwroot = Existing(environment.WebRootPath) ?? Existing(Path.Combine(AppContext.BaseDirectory, "wwwroot"));
        // wwwroot/sdk is inside the web root already, so only a lone sdk folder needs its own mapping.
        return (wwwroot, null);
    }

    private static void Serve(WebApplication app, string directory, PathString requestPath)
    {
        var files = new PhysicalFileProvider(directory);
        var types = new FileExtensionContentTypeProvider();
        // The SDK's TypeScript declarations (retroim.d.ts), not MPEG transport streams.
        types.Mappings[".ts"] = "text/plain; charset=utf-8";
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files, RequestPath = requestPath });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            RequestPath = requestPath,
            ContentTypeProvider = types,
            // Revalidate every time (cheap with ETags) so a redeployed page or SDK is picked up at once.
            OnPrepareResponse = ctx => ctx.Context.Response.Headers.CacheControl = "no-cache",
        });
    }

    private static string? FindRepositoryClients(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "Clients");
            if (Directory.Exists(Path.Combine(candidate, "web")) && File.Exists(Path.Combine(dir.FullName, "RetroIm.sln"))) return candidate;
        }
        return null;
    }

    private static string? Existing(string? path) => !string.IsNullOrEmpty(path) && Directory.Exists(path) ? Path.GetFullPath(path) : null;
}
