using System.Diagnostics;

namespace RetroIm.WebApi.Hosting;

/// <summary>
/// One line per HTTP request: method, path, status and duration. Only the path is logged: query strings carry
/// connect tokens (<c>/ws?token=…</c>) and headers carry bearer tokens, so neither is ever written.
/// </summary>
internal sealed class RequestLoggingMiddleware(RequestDelegate next, ILogger<RequestLoggingMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        // Read before the pipeline runs: default files rewrite "/" to "/index.html".
        var path = context.Request.Path;
        try
        {
            await next(context);
        }
        finally
        {
            RequestLog.Completed(logger, context.Request.Method, path, context.Response.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }
}
