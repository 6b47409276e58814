namespace RetroIm.E2E.Tests;

/// <summary>
/// Two people in one new retro, A and B, whose sockets are on DIFFERENT ImServer nodes, so every push they see between
/// them crossed the Redis backplane. The node is the router's choice for the participant id, so B is whichever of a few
/// newcomers lands on the other node; the others leave before the test starts.
/// </summary>
internal sealed class RetroPair : IAsyncDisposable
{
    private const int MaxCandidates = 12;

    private RetroPair(string retroId, RetroPage a, RetroPage b)
    {
        RetroId = retroId;
        A = a;
        B = b;
    }

    public string RetroId { get; }

    public RetroPage A { get; }

    public RetroPage B { get; }

    public IEnumerable<RetroPage> Both => [A, B];

    public static async Task<RetroPair> OpenAsync(RetroEnvironment environment, string title, string nameA = "Ann", string nameB = "Ben")
    {
        var a = await RetroPage.OpenAsync(environment.Browser, environment.WebApi.BaseAddress, "A");
        try
        {
            var retroId = await a.CreateRetroAsync(title);
            await a.JoinAsync(nameA);
            for (var candidate = 1; candidate <= MaxCandidates; candidate++)
            {
                var b = await RetroPage.OpenAsync(environment.Browser, environment.WebApi.BaseAddress, "B");
                try
                {
                    await b.GotoRetroAsync(retroId);
                    await b.JoinAsync(nameB);
                }
                catch
                {
                    await b.DisposeAsync();
                    throw;
                }
                if (b.Node != a.Node) return new RetroPair(retroId, a, b);
                await b.DisposeAsync();
            }
            throw new InvalidOperationException($"None of {MaxCandidates} participants landed on a node other than {a.Node}: is only one node routed?");
        }
        catch
        {
            await a.DisposeAsync();
            throw;
        }
    }

    public string DescribeForFailure() => A.DescribeForFailure() + Environment.NewLine + B.DescribeForFailure();

    public async ValueTask DisposeAsync()
    {
        await A.DisposeAsync();
        await B.DisposeAsync();
    }
}
