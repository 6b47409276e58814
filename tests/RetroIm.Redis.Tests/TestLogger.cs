using Microsoft.Extensions.Logging;

namespace RetroIm.Redis.Tests;

/// <summary>Writes client logs to the NUnit output so a failing test shows what the client saw.</summary>
internal sealed class TestLogger : ILogger
{
    public static readonly TestLogger Instance = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        TestContext.Progress.WriteLine($"[{logLevel}] {formatter(state, exception)}{(exception is null ? "" : " | " + exception.GetType().Name + ": " + exception.Message)}");
}
