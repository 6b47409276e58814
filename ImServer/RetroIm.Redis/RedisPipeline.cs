using System.Buffers;
using System.Runtime.InteropServices;
using RetroIm.Redis.Protocol;

namespace RetroIm.Redis;

/// <summary>
/// Commands that go to Redis back to back as one unit (<see cref="RedisClient.ExecuteInOrderAsync(RedisPipeline, CancellationToken)"/>):
/// written together and answered together, one reply per command in order, error replies included as replies (a
/// command Redis rejects fails alone; the others still run). Not atomic: other connections' commands may run between
/// them, so use a Lua script when they must see one state. Costs Redis a fraction of a script doing the same commands
/// (no Lua, no conversion of each reply into Lua and back). Arguments are read when the commands are written, not
/// copied: keep byte arguments unchanged until the task completes. Commands added after it was handed over are not
/// sent with it.
/// </summary>
public sealed class RedisPipeline
{
    private readonly List<string> _commands = [];
    private readonly List<RedisArg> _args = [];
    private readonly List<int> _ends = [];

    /// <summary>Commands added so far.</summary>
    public int Count => _commands.Count;

    /// <summary>Adds a command, e.g. <c>Add("HKEYS", key)</c>.</summary>
    /// <exception cref="ArgumentException">The command is blank or an argument is missing.</exception>
    public RedisPipeline Add(string command, params ReadOnlySpan<RedisArg> args)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(command);
        for (var i = 0; i < args.Length; i++)
        {
            RespWriter.CheckPresent(args[i], i, command);
        }

        _commands.Add(command);
        _args.AddRange(args);
        _ends.Add(_args.Count);
        return this;
    }

    /// <summary>For error messages: how many commands, and the first one's name.</summary>
    public override string ToString() => Describe(_commands.Count);

    /// <summary>The first <paramref name="count"/> commands, described as <see cref="ToString"/> does.</summary>
    internal string Describe(int count) => count switch
    {
        0 => "an empty pipeline",
        1 => _commands[0],
        _ => $"{count} pipelined commands ({_commands[0]}, …)",
    };

    /// <summary>Writes the first <paramref name="count"/> commands (those there were when it was handed over).</summary>
    internal void WriteTo(IBufferWriter<byte> writer, int count)
    {
        var args = CollectionsMarshal.AsSpan(_args);
        var start = 0;
        for (var i = 0; i < count; i++)
        {
            RespWriter.WriteCommandFromSpan(writer, _commands[i], args[start.._ends[i]]);
            start = _ends[i];
        }
    }
}
