using RetroIm.Redis;

namespace RetroIm.Im;

public sealed partial class ImClient
{
    private static readonly TimeSpan FirstWaitRetry = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxWaitRetry = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Runs a backplane call; while Redis cannot be reached, retries it until <see cref="ImHelperOptions.RedisWaitTimeout"/>
    /// has passed (zero: the first failure is thrown). Only failures that prove the command was never sent are retried.
    /// </summary>
    private async Task<T> WhileRedisWaitsAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        var bound = _options.RedisWaitTimeout;
        if (bound <= TimeSpan.Zero) return await call(cancellationToken).ConfigureAwait(false);
        var started = _time.GetTimestamp();
        var delay = FirstWaitRetry;
        while (true)
        {
            try
            {
                return await call(cancellationToken).ConfigureAwait(false);
            }
            catch (RedisConnectionException e) when (NeverSent(e))
            {
                var left = bound - _time.GetElapsedTime(started);
                if (left <= TimeSpan.Zero) throw;
                ImClientLog.WaitingForRedis(_logger, e.Message);
                await Task.Delay(delay < left ? delay : left, _time, cancellationToken).ConfigureAwait(false);
                delay = delay * 2 < MaxWaitRetry ? delay * 2 : MaxWaitRetry;
            }
        }
    }

    private Task WhileRedisWaitsAsync(Func<CancellationToken, Task> call, CancellationToken cancellationToken)
        => WhileRedisWaitsAsync(async ct =>
        {
            await call(ct).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    /// <summary>
    /// False only for a connection lost with the command in flight (Redis may have executed it); every other
    /// connection failure happens while connecting, before the parked command is written.
    /// </summary>
    private static bool NeverSent(RedisConnectionException e)
        => !e.Message.StartsWith("The connection to Redis at", StringComparison.Ordinal);
}
