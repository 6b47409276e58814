using RetroIm.Im.Backplane;
using RetroIm.Redis;

namespace RetroIm.Im;

public sealed partial class ImClient
{
    private static readonly TimeSpan FirstWaitRetry = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxWaitRetry = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Runs a backplane call; while Redis cannot be reached, retries it until <see cref="ImHelperOptions.RedisWaitTimeout"/>
    /// has passed (zero: the first failure is thrown). Every call of this class that touches Redis goes through here, so
    /// an outage surfaces as one exception type, <see cref="RedisConnectionException"/>, naming the endpoint and how long
    /// was waited — never as a hang or an empty answer.
    /// </summary>
    /// <param name="idempotent">
    /// True for reads and for writes that may safely run twice (membership, tickets under a fresh token, control
    /// packets): they are retried after any connection failure or timeout. False for messages: retried only when the
    /// command provably never reached Redis, so a wait never sends a message twice.
    /// </param>
    private async Task<T> WhileRedisWaitsAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken, bool idempotent = false)
    {
        var started = _time.GetTimestamp();
        try
        {
            return await call(cancellationToken).ConfigureAwait(false);
        }
        catch (RedisException e) when (IsOutage(e))
        {
            return await RetryWhileRedisWaitsAsync(e, started, call, cancellationToken, idempotent).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The rest of <see cref="WhileRedisWaitsAsync{T}"/> for a call whose first attempt (begun at
    /// <paramref name="started"/>) failed with <paramref name="failure"/>, an outage: waits and retries while the bound
    /// and <paramref name="idempotent"/> allow, else throws. A hot path makes its first attempt itself and comes here
    /// only on failure, so a call that succeeds at once costs no delegate.
    /// </summary>
    private async Task<T> RetryWhileRedisWaitsAsync<T>(RedisException failure, long started, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken, bool idempotent)
    {
        var bound = _options.RedisWaitTimeout;
        var delay = FirstWaitRetry;
        while (true)
        {
            var elapsed = _time.GetElapsedTime(started);
            var left = bound - elapsed;
            if (left <= TimeSpan.Zero || !(idempotent || NeverSent(failure))) throw Unreachable(failure, elapsed);
            ImClientLog.WaitingForRedis(_logger, failure.Message);
            await Task.Delay(delay < left ? delay : left, _time, cancellationToken).ConfigureAwait(false);
            delay = delay * 2 < MaxWaitRetry ? delay * 2 : MaxWaitRetry;
            try
            {
                return await call(cancellationToken).ConfigureAwait(false);
            }
            catch (RedisException e) when (IsOutage(e))
            {
                failure = e;
            }
        }
    }

    private Task WhileRedisWaitsAsync(Func<CancellationToken, Task> call, CancellationToken cancellationToken, bool idempotent = false)
        => WhileRedisWaitsAsync(async ct =>
        {
            await call(ct).ConfigureAwait(false);
            return true;
        }, cancellationToken, idempotent);

    /// <summary>Redis is away (or still loading its data after a restart), as opposed to refusing the command.</summary>
    private static bool IsOutage(RedisException e) => RedisOutage.Is(e);

    /// <summary>
    /// False when the command may have reached Redis: the connection was lost with it in flight, or it timed out
    /// waiting for the reply. Every other failure (refused, connect timeout, LOADING) happens before Redis runs it.
    /// </summary>
    private static bool NeverSent(RedisException e)
        => e is RedisServerException
            || (e is RedisConnectionException && !e.Message.StartsWith("The connection to Redis at", StringComparison.Ordinal));

    private RedisConnectionException Unreachable(RedisException e, TimeSpan elapsed)
    {
        var endpoint = _backplane is RedisBackplane redis ? redis.Endpoint : _backplane.Kind;
        var waited = _options.RedisWaitTimeout > TimeSpan.Zero
            ? $"gave up after {elapsed.TotalSeconds:0.0} s (ImHelper:RedisWaitTimeout = {_options.RedisWaitTimeout.TotalSeconds:0.###} s)"
            : $"failed after {elapsed.TotalSeconds:0.0} s (ImHelper:RedisWaitTimeout = 0: fail fast)";
        var applied = NeverSent(e) ? "" : " The command may or may not have been applied.";
        return new RedisConnectionException($"ImHelper could not reach Redis at {endpoint}: {waited}.{applied} {e.Message}", e);
    }
}
