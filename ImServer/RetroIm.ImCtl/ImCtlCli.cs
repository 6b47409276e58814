using System.CommandLine;
using System.Text.Json;
using RetroIm.ImCtl.Commands;

namespace RetroIm.ImCtl;

/// <summary>The command tree and the one place that runs a command and turns its outcome into JSON and an exit code.</summary>
internal static class ImCtlCli
{
    public const string RedisEnvironmentVariable = "IMCTL_REDIS";

    public static readonly Option<string> Redis = new("--redis")
    {
        Description = $"The cluster's Redis, FreeRedis style (\"host:port,password=…,prefix=…\"). Default: ${RedisEnvironmentVariable}, else 127.0.0.1:6379.",
        HelpName = "connstr",
        Recursive = true,
    };

    // Resolved here rather than as the option's default, so --help never prints a password from the environment.
    private static string RedisOf(ParseResult parse)
        => parse.GetValue(Redis) ?? (Environment.GetEnvironmentVariable(RedisEnvironmentVariable) is { Length: > 0 } env ? env : "127.0.0.1:6379");

    public static RootCommand Build()
    {
        var root = new RootCommand("imctl: inspect and drive a RetroIm relay cluster through its Redis (ImHelper on the command line). Prints JSON.")
        {
            Redis,
        };
        NodeCommands.AddTo(root);
        DrainCommand.AddTo(root);
        StatsCommand.AddTo(root);
        WhoCommand.AddTo(root);
        MessageCommands.AddTo(root);
        ChanCommands.AddTo(root);
        PresenceCommands.AddTo(root);
        return root;
    }

    /// <summary>Runs <paramref name="body"/> with a session, prints its result, and maps failures to exit codes.</summary>
    public static async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken, Func<ImCtlSession, CancellationToken, Task<object>> body)
    {
        try
        {
            await using var session = ImCtlSession.Open(RedisOf(parse));
            var result = await body(session, cancellationToken);
            JsonOut.Result(result);
            return ExitCodes.Ok;
        }
        catch (Exception e) when (e is UsageException or ArgumentException or FormatException)
        {
            JsonOut.Error(e.Message, "usage");
            return ExitCodes.Usage;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            JsonOut.Error("cancelled", "cancelled");
            return ExitCodes.Failed;
        }
        catch (Exception e)
        {
            JsonOut.Error(e.Message, e.GetType().Name);
            return ExitCodes.Failed;
        }
    }

    public static JsonElement Payload(ParseResult parse, Argument<string> json) => JsonOut.ParsePayload(parse.GetValue(json)!, json.Name);
}
