using RetroIm.Redis;

namespace RetroIm.Im.Backplane;

/// <summary>Which backplane failures mean "Redis did not answer this time" rather than "Redis refused the command".</summary>
internal static class RedisOutage
{
    /// <summary>
    /// Redis is away, did not answer within the command timeout, or is still loading its data after a restart: the same
    /// call may succeed a moment later. A refusal (wrong type, script error, ACL) is not an outage and is never retried.
    /// </summary>
    public static bool Is(Exception e)
        => e is RedisConnectionException or RedisTimeoutException || e is RedisServerException { ErrorCode: "LOADING" };

    /// <summary>
    /// Runs a read (a call that changes nothing, so it may run twice); after an outage (<see cref="Is"/>) waits the next
    /// of <paramref name="delays"/> and runs it again, and once they are used up throws the last failure. Any other
    /// failure, and cancellation, is thrown at once. <paramref name="retrying"/> hears of each retry (1-based) first.
    /// </summary>
    public static async Task<T> RetryReadAsync<T>(
        Func<CancellationToken, Task<T>> read, IReadOnlyList<TimeSpan> delays, TimeProvider time, Action<int, Exception> retrying,
        CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await read(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (attempt < delays.Count && Is(e) && !cancellationToken.IsCancellationRequested)
            {
                retrying(attempt + 1, e);
                await Task.Delay(delays[attempt], time, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
