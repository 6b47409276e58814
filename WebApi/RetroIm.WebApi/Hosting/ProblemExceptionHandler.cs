using Microsoft.AspNetCore.Diagnostics;

namespace RetroIm.WebApi.Hosting;

/// <summary>
/// Turns exceptions into problem responses that say what the client can do and nothing about our internals:
/// unreadable requests (bad JSON, wrong content type) keep their 4xx status; anything else is a logged 500.
/// </summary>
internal sealed class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        int status;
        string title, detail;
        if (exception is BadHttpRequestException bad)
        {
            (status, title, detail) = (bad.StatusCode, "Bad request", "The request could not be read: check the JSON body, its content type and the parameters.");
        }
        else
        {
            RequestLog.Unhandled(logger, exception, httpContext.Request.Method, httpContext.Request.Path);
            (status, title, detail) = (StatusCodes.Status500InternalServerError, "Server error", "Something went wrong on our side. It has been logged.");
        }

        httpContext.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        });
    }
}
