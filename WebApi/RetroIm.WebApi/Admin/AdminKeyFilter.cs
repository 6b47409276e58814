using Microsoft.Extensions.Options;

namespace RetroIm.WebApi.Admin;

/// <summary>
/// Guards every /api/admin endpoint: 404 while no <c>Admin:Key</c> is configured (the feature does not exist), 401
/// without the right <c>X-Admin-Key</c> header. The key is never logged; only the refusal is.
/// </summary>
internal sealed class AdminKeyFilter(IOptions<AdminOptions> options, ILogger<AdminKeyFilter> logger) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var settings = options.Value;
        if (!settings.Enabled)
        {
            return TypedResults.Problem(
                "The admin API is disabled: set Admin:Key (e.g. the environment variable Admin__Key) to enable it.",
                statusCode: StatusCodes.Status404NotFound, title: "Admin disabled");
        }
        var http = context.HttpContext;
        if (!AdminKey.Matches(settings.Key!, http.Request.Headers[AdminKey.HeaderName]))
        {
            AdminLog.KeyRejected(logger, http.Request.Path, http.Connection.RemoteIpAddress?.ToString());
            return TypedResults.Problem($"Send the admin key in the {AdminKey.HeaderName} header.",
                statusCode: StatusCodes.Status401Unauthorized, title: "Admin key missing or wrong");
        }
        return await next(context);
    }
}
