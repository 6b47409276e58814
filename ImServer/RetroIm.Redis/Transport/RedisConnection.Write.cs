using RetroIm.Redis.Protocol;

namespace RetroIm.Redis.Transport;

internal sealed partial class RedisConnection
{
    // Flush mid-batch past this many bytes so a huge burst does not buffer without bound before the first send.
    private const long FlushThreshold = 64 * 1024;

    /// <summary>
    /// Drains the queue into the socket: every command queued while the previous flush was in progress goes out
    /// with the next one, so a burst of publishes costs a handful of writes, not one each.
    /// </summary>
    private async Task WriteLoopAsync()
    {
        var reader = _queue.Reader;
        var output = _transport.Output;
        try
        {
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (reader.TryRead(out var command))
                {
                    if (!command.TryMarkWritten())
                    {
                        continue; // the caller gave up before it was sent: no slot, no reply
                    }

                    lock (_pending)
                    {
                        if (_closed)
                        {
                            FailCommand(command, null, disposing: false);
                            continue;
                        }

                        // Enqueued before writing: the reply cannot arrive earlier than the command leaves.
                        command.WrittenAt = RedisMetrics.CommandStarted();
                        _pending.Enqueue(command);
                    }

                    if (command.Pipeline is { } pipeline)
                    {
                        pipeline.WriteTo(output, command.PipelineCount);
                    }
                    else
                    {
                        RespWriter.WriteCommand(output, command.Command, command.Args);
                    }
                    if (output.UnflushedBytes >= FlushThreshold)
                    {
                        Interlocked.Increment(ref _flushCount);
                        await output.FlushAsync().ConfigureAwait(false);
                    }
                }

                Interlocked.Increment(ref _flushCount);
                var flushed = await output.FlushAsync().ConfigureAwait(false);
                if (flushed.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (Exception ex)
        {
            Fail(ex);
        }
    }
}
