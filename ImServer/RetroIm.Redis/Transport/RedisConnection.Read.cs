using RetroIm.Redis.Protocol;

namespace RetroIm.Redis.Transport;

internal sealed partial class RedisConnection
{
    /// <summary>Parses replies as they arrive and hands each to the oldest written command.</summary>
    private async Task ReadLoopAsync()
    {
        var input = _transport.Input;
        Exception? error = null;
        try
        {
            while (true)
            {
                var result = await input.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                try
                {
                    while (RespReader.TryRead(buffer, out var reply, out var end))
                    {
                        buffer = buffer.Slice(end);
                        CompleteOldest(reply);
                    }
                }
                finally
                {
                    input.AdvanceTo(buffer.Start, buffer.End);
                }

                if (result.IsCompleted)
                {
                    error = new RedisConnectionException($"Redis at {Endpoint} closed the connection.");
                    break;
                }
            }
        }
        catch (Exception ex)
        {
            error = ex;
        }

        Fail(error);
    }

    private void CompleteOldest(RespValue reply)
    {
        PendingCommand? command;
        RespValue whole;
        lock (_pending)
        {
            if (!_pending.TryPeek(out command))
            {
                throw new RedisProtocolException($"Redis at {Endpoint} sent a reply ({reply}) with no command waiting for it.");
            }

            // A pipeline keeps its slot until its last reply.
            if (!command.TryTakeReply(reply, out whole))
            {
                return;
            }

            _pending.Dequeue();
        }

        RedisMetrics.CommandCompleted(command.WrittenAt);
        command.TrySetResult(whole);
    }
}
