using System.Net.Http.Headers;
using System.Net.Http.Json;
using RetroIm.Testing;

namespace RetroIm.WebApi.Tests.Security;

/// <summary>
/// Secrets never reach a log: with every logger at its most verbose level, a participant joins, connects, fetches a
/// new connect URL with its bearer token, changes the board, and an attacker replays a used URL and forges a bearer;
/// afterwards no connect token and no bearer token appears anywhere in the output of the WebApi and of the ImServer
/// node (console and the WebApi's JSON log file).
/// </summary>
[TestFixture]
public sealed class TokenLoggingTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Test]
    public async Task ConnectAndBearerCalls_ClusterMode_NoTokenInAnyLog()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var node = await ImServerProcess.StartAsync(redis.Port, ["--Logging:LogLevel:Default=Trace", "--Logging:LogLevel:Microsoft.AspNetCore=Trace"]);
        var logDir = Directory.CreateTempSubdirectory("retroim-logs-");
        try
        {
            await using var api = await WebApiProcess.StartAsync(redis.Port, extraArgs: VerboseLogging(logDir.FullName));

            var secrets = await ExerciseAsync(api);

            await AssertNoSecretAsync(secrets, ("ImServer output", ProgramOutput(node.Log.All())), ("WebApi output", ProgramOutput(api.Log.All())), ("WebApi log file", ReadFiles(logDir.FullName)));
        }
        finally
        {
            logDir.Delete(recursive: true);
        }
    }

    [Test]
    public async Task ConnectAndBearerCalls_EmbeddedRelay_NoTokenInAnyLog()
    {
        var logDir = Directory.CreateTempSubdirectory("retroim-logs-");
        try
        {
            await using var api = await WebApiProcess.StartAsync(redisPort: null, extraArgs: VerboseLogging(logDir.FullName));

            var secrets = await ExerciseAsync(api);

            await AssertNoSecretAsync(secrets, ("WebApi output", ProgramOutput(api.Log.All())), ("WebApi log file", ReadFiles(logDir.FullName)));
        }
        finally
        {
            logDir.Delete(recursive: true);
        }
    }

    /// <summary>Joins, connects, calls with the bearer, replays and forges; returns every secret that went over the wire.</summary>
    private static async Task<List<string>> ExerciseAsync(WebApiProcess api)
    {
        using var http = api.CreateClient();
        var secrets = new List<string>();

        using var created = await http.PostAsJsonAsync("/api/retros", new { title = "Secrets stay secret" });
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created), await created.Content.ReadAsStringAsync());
        var retroId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        using var joined = await http.PostAsJsonAsync($"/api/retros/{retroId}/participants", new { name = "Ann" });
        Assert.That(joined.StatusCode, Is.EqualTo(HttpStatusCode.Created), await joined.Content.ReadAsStringAsync());
        var join = await joined.Content.ReadFromJsonAsync<JsonElement>();
        var bearer = join.GetProperty("token").GetString()!;
        var firstUrl = join.GetProperty("connectUrl").GetString()!;
        secrets.Add(bearer);
        secrets.Add(TokenOf(firstUrl));

        await using (var socket = await TestWebSocketClient.ConnectAsync(firstUrl))
        {
            await socket.ExpectWelcomeAsync(Bound);
        }

        // A bearer call that issues a second connect URL, and one that changes the board.
        using var connect = new HttpRequestMessage(HttpMethod.Get, $"/api/retros/{retroId}/connect");
        connect.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        using var connected = await http.SendAsync(connect);
        Assert.That(connected.StatusCode, Is.EqualTo(HttpStatusCode.OK), await connected.Content.ReadAsStringAsync());
        var secondUrl = (await connected.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("connectUrl").GetString()!;
        secrets.Add(TokenOf(secondUrl));
        await using (var socket = await TestWebSocketClient.ConnectAsync(secondUrl))
        {
            await socket.ExpectWelcomeAsync(Bound);
            using var topic = new HttpRequestMessage(HttpMethod.Post, $"/api/retros/{retroId}/topics") { Content = JsonContent.Create(new { title = "Logs", description = "no secrets" }) };
            topic.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
            using var added = await http.SendAsync(topic);
            Assert.That(added.StatusCode, Is.EqualTo(HttpStatusCode.Created), await added.Content.ReadAsStringAsync());
            await socket.ExpectAsync("message", Bound);
        }

        // The refusal paths log too: a replayed (used) connect URL and a forged bearer.
        var replay = Assert.ThrowsAsync<TestWebSocketConnectException>(() => TestWebSocketClient.ConnectAsync(firstUrl));
        Assert.That(replay!.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        var forged = ImCluster.NewToken() + ImCluster.NewToken();
        secrets.Add(forged);
        using var forgedCall = new HttpRequestMessage(HttpMethod.Post, $"/api/retros/{retroId}/topics") { Content = JsonContent.Create(new { title = "Forged", description = "" }) };
        forgedCall.Headers.Authorization = new AuthenticationHeaderValue("Bearer", forged);
        using var refused = await http.SendAsync(forgedCall);
        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        return secrets;
    }

    private static async Task AssertNoSecretAsync(List<string> secrets, params (string Name, string Text)[] logs)
    {
        foreach (var (name, text) in logs)
        {
            await TestContext.Out.WriteLineAsync($"{name}: {text.Split('\n').Length} lines checked");
            Assert.That(text.Split('\n').Length, Is.GreaterThan(3), $"{name} is not empty (else this test proves nothing)");
            foreach (var secret in secrets)
            {
                Assert.That(text, Does.Not.Contain(secret), $"{name} contains a secret ({secret[..4]}…)");
                // A URL-encoded or partially logged secret is a leak too: no 12-character window of it may appear.
                Assert.That(text, Does.Not.Contain(secret[..12]), $"{name} contains the start of a secret ({secret[..4]}…)");
            }
        }
    }

    private static string[] VerboseLogging(string logDir) =>
    [
        // Both filters: Microsoft.Extensions.Logging's own (Information unless told) and Serilog's.
        "--Logging:LogLevel:Default=Trace",
        "--Serilog:MinimumLevel:Default=Verbose",
        "--Serilog:MinimumLevel:Override:Microsoft=Verbose",
        "--Serilog:MinimumLevel:Override:Microsoft.AspNetCore=Verbose",
        "--Serilog:MinimumLevel:Override:Microsoft.Hosting.Lifetime=Verbose",
        // Complete sink definitions: the copy of the WebApi in a test's output folder may run without its appsettings.json.
        "--Serilog:WriteTo:Console:Name=Console",
        "--Serilog:WriteTo:File:Name=File",
        "--Serilog:WriteTo:File:Args:formatter=Serilog.Formatting.Json.JsonFormatter, Serilog",
        $"--Serilog:WriteTo:File:Args:path={Path.Combine(logDir, "webapi-.log")}",
    ];

    private static string TokenOf(string connectUrl)
    {
        var query = new Uri(connectUrl).Query;
        const string Key = "token=";
        var at = query.IndexOf(Key, StringComparison.Ordinal);
        Assert.That(at, Is.GreaterThanOrEqualTo(0), connectUrl);
        var token = query[(at + Key.Length)..].Split('&')[0];
        Assert.That(token, Has.Length.GreaterThanOrEqualTo(22), "at least 128 bits as base64url");
        return token;
    }

    private static string ReadFiles(string dir)
    {
        var text = new System.Text.StringBuilder();
        foreach (var file in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            text.Append(reader.ReadToEnd());
        }
        return text.ToString();
    }

    /// <summary>What the program wrote, without the test log's own "[cmd]" line (the command line is not a log).</summary>
    private static string ProgramOutput(string log)
        => string.Join('\n', log.Split('\n').Where(line => !line.Contains(" [cmd] ", StringComparison.Ordinal)));
}
