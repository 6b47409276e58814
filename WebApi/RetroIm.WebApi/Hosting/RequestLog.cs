namespace RetroIm.WebApi.Hosting;

internal static partial class RequestLog
{
    [LoggerMessage(1, LogLevel.Information, "HTTP {Method} {Path} responded {StatusCode} in {ElapsedMs:0.0} ms")]
    public static partial void Completed(ILogger logger, string method, PathString path, int statusCode, double elapsedMs);

    [LoggerMessage(2, LogLevel.Error, "Unhandled exception for {Method} {Path}")]
    public static partial void Unhandled(ILogger logger, Exception exception, string method, PathString path);
}
