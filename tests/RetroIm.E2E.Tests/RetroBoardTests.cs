using System.Text.RegularExpressions;
using Microsoft.Playwright;
using NUnit.Framework.Interfaces;
using static Microsoft.Playwright.Assertions;

namespace RetroIm.E2E.Tests;

/// <summary>
/// The retro board in a real browser across a real cluster: each test opens a new retro with two people, A and B, on
/// different ImServer nodes, and checks what each of them sees (never reloading a page) against the server.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class RetroBoardTests
{
    private const string Deploys = "Deploys are slow";
    private const string Flaky = "Flaky tests";
    private const string Standups = "Standups run long";

    private RetroEnvironment _environment = null!;
    private RetroPair _pair = null!;
    private bool _publishScreenshots;

    private RetroPage A => _pair.A;

    private RetroPage B => _pair.B;

    [OneTimeSetUp]
    public async Task StartEnvironmentAsync()
    {
        // Pushes cross processes and a loaded 2-core machine; 10 s bounds every wait for what a page shows.
        SetDefaultExpectTimeout(10_000);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        _environment = await RetroEnvironment.StartAsync();
        await TestContext.Progress.WriteLineAsync($"Redis, 2 ImServer nodes, the WebApi and Chromium ready in {clock.Elapsed.TotalSeconds:0.0} s");
    }

    [OneTimeTearDown]
    public async Task StopEnvironmentAsync()
    {
        if (_environment is not null) await _environment.DisposeAsync();
    }

    [SetUp]
    public async Task OpenRetroAsync()
    {
        _publishScreenshots = false;
        try
        {
            _pair = await RetroPair.OpenAsync(_environment, "Sprint 42 retro");
        }
        catch
        {
            await TestContext.Out.WriteLineAsync(_environment.DescribeForFailure());
            throw;
        }
    }

    [TearDown]
    public async Task CloseRetroAsync()
    {
        try
        {
            // The logs first: a page that broke may not take a screenshot any more.
            if (TestContext.CurrentContext.Result.Outcome.Status == TestStatus.Failed)
            {
                foreach (var page in _pair.Both) await TestContext.Out.WriteLineAsync(await page.DescribeStateAsync());
                await TestContext.Out.WriteLineAsync(_pair.DescribeForFailure());
                await TestContext.Out.WriteLineAsync(_environment.DescribeForFailure());
            }
            var screenshots = await BoardScreenshots.AttachAsync(_pair.Both);
            if (_publishScreenshots)
            {
                var copies = BoardScreenshots.CopyToRepository(screenshots);
                await TestContext.Out.WriteLineAsync("Boards: " + string.Join(", ", copies));
            }
        }
        finally
        {
            await _pair.DisposeAsync();
        }
    }

    [Test]
    public void OpenRetro_TwoParticipants_AreLiveOnDifferentNodesOfTheCluster()
    {
        var nodes = _environment.Cluster.Nodes.Select(n => n.NodeId).ToArray();

        Assert.That(A.Node, Is.AnyOf(nodes), "A's welcome names a node of the cluster");
        Assert.That(B.Node, Is.AnyOf(nodes), "B's welcome names a node of the cluster");
        Assert.That(B.Node, Is.Not.EqualTo(A.Node), "A and B are on different nodes");
        Assert.That(B.ParticipantId, Is.Not.EqualTo(A.ParticipantId));
    }

    [Test]
    public async Task AddTopic_ByA_AppearsOnBsBoardWithoutReload()
    {
        await B.MarkDocumentAsync();

        await A.AddTopicAsync(Deploys, "Builds take 40 minutes");

        await Expect(B.Cards("next").GetByTestId("topic-title")).ToHaveTextAsync([Deploys]);
        await Expect(B.Votes(Deploys)).ToHaveTextAsync(VoteCount(0));
        Assert.That(await B.WasReloadedAsync(), Is.False, "B's page showed the topic without reloading");
        var board = await _environment.Http.GetBoardAsync(_pair.RetroId);
        await Expect(B.Cards("next").First).ToHaveAttributeAsync("data-topic-id", board.Next.Single().Id);
    }

    /// <summary>
    /// The card arrives live before the request that added it answers; what the user typed meanwhile (the next topic)
    /// must survive that answer. The answer is held until the next title is typed, so the order is fixed.
    /// </summary>
    [Test]
    public async Task AddTopic_NextTitleTypedBeforeTheAnswer_IsKept()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var answered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await A.Page.RouteAsync("**/topics", async route =>
        {
            var response = await route.FetchAsync();
            await release.Task.WaitAsync(TimeSpan.FromSeconds(30));
            await route.FulfillAsync(new RouteFulfillOptions { Response = response });
            answered.TrySetResult();
        });
        var title = A.Page.GetByTestId("add-topic-title");
        await title.FillAsync(Deploys);
        await A.Page.GetByTestId("add-topic-submit").ClickAsync();
        await Expect(A.Card(Deploys)).ToHaveCountAsync(1); // live, while the answer is held
        await title.FillAsync(Flaky);

        release.SetResult();
        await answered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await Expect(A.Page.GetByTestId("add-topic-submit")).ToBeEnabledAsync();

        await Expect(title).ToHaveValueAsync(Flaky);
        await A.Page.UnrouteAllAsync();
    }

    [Test]
    public async Task Vote_ByB_ShowsTheCountOnAsBoard()
    {
        await A.AddTopicAsync(Deploys, "Builds take 40 minutes");
        await Expect(B.Card(Deploys)).ToHaveCountAsync(1);
        await A.MarkDocumentAsync();

        await B.VoteAsync(Deploys);

        await Expect(A.Votes(Deploys)).ToHaveTextAsync(VoteCount(1));
        await Expect(B.Votes(Deploys)).ToHaveTextAsync(VoteCount(1));
        Assert.That(await A.WasReloadedAsync(), Is.False, "A's page showed the vote without reloading");
    }

    [Test]
    public async Task Done_ByBOnTheCurrentTopic_MovesItToPreviousAndTheMostVotedToCurrentOnBothBoards()
    {
        await RunMeetingUntilDoneAsync();

        foreach (var page in _pair.Both)
        {
            await Expect(page.Cards("previous").GetByTestId("topic-title")).ToHaveTextAsync([Deploys]);
            await Expect(page.Cards("current").GetByTestId("topic-title")).ToHaveTextAsync([Standups]);
            await Expect(page.Cards("next").GetByTestId("topic-title")).ToHaveTextAsync([Flaky]);
        }
        var board = await _environment.Http.GetBoardAsync(_pair.RetroId);
        foreach (var page in _pair.Both) await AssertBoardShowsAsync(page, board);
    }

    [Test]
    public async Task ActivityFeed_AfterAMeeting_ListsEveryStepInOrderOnBothPages()
    {
        var steps = await RunMeetingUntilDoneAsync();

        var board = await _environment.Http.GetBoardAsync(_pair.RetroId);
        var activity = await _environment.Http.GetActivityAsync(_pair.RetroId);
        var topicSteps = activity
            .Where(a => a.Type.StartsWith("topic.", StringComparison.Ordinal) || a.Type == "vote.changed")
            .Select(a => new MeetingStep(a.Type, a.Actor?.Id ?? "", TitleOf(board, a.TopicId)))
            .ToArray();
        Assert.That(topicSteps, Is.EqualTo(steps), "the server recorded every step, in order, with its actor");

        // The page shows the feed newest first, as the API pages it.
        var texts = activity.Select(a => a.Text).Reverse().ToArray();
        foreach (var page in _pair.Both)
        {
            await Expect(page.ActivityItems).ToHaveCountAsync(texts.Length);
            await Expect(page.ActivityItems).ToContainTextAsync(texts);
        }
        // The end of a whole meeting is the board worth showing people: artifacts/screenshots/board-A.png, board-B.png.
        _publishScreenshots = true;
    }

    [Test]
    public async Task DropSocket_OfA_ShowsReconnectingThenLiveWithTheServersBoard()
    {
        await A.AddTopicAsync(Deploys, "Builds take 40 minutes");
        await Expect(B.Card(Deploys)).ToHaveCountAsync(1);
        await A.MarkDocumentAsync();
        // Every reconnect asks the WebApi for a fresh connect URL; holding that request keeps A away while B acts.
        var reconnectGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await A.Page.RouteAsync("**/api/retros/*/connect", async route =>
        {
            await reconnectGate.Task;
            await route.ContinueAsync();
        });

        Assert.That(await A.DropSocketAsync(), Is.EqualTo(1), "A had one open socket to drop");

        await Expect(A.ConnectionState).ToHaveTextAsync("reconnecting");
        await Expect(B.OnlineParticipant(A.ParticipantId)).ToHaveCountAsync(0);
        await B.AddTopicAsync(Flaky, "Retries hide real failures");
        await B.VoteAsync(Deploys);
        await Expect(B.Votes(Deploys)).ToHaveTextAsync(VoteCount(1));
        await Expect(A.ConnectionState).ToHaveTextAsync("reconnecting");

        reconnectGate.SetResult();
        await Expect(A.ConnectionState).ToHaveTextAsync("live");

        var board = await _environment.Http.GetBoardAsync(_pair.RetroId);
        Assert.That(board.Next.Select(t => t.Title), Is.EquivalentTo(new[] { Deploys, Flaky }), "the server has B's changes");
        await Expect(B.OnlineParticipant(A.ParticipantId)).ToHaveCountAsync(1);
        await AssertBoardShowsAsync(A, await _environment.Http.GetBoardAsync(_pair.RetroId));
        Assert.That(await A.WasReloadedAsync(), Is.False, "A caught up without reloading the page");
    }

    [Test]
    public async Task RefetchFails_WhileAPushWaitsBehindIt_ThePageRetriesAndShowsIt()
    {
        await A.MarkDocumentAsync();
        // A's next board read is held, then fails as a dropped connection would; later reads pass.
        var boardRead = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var fail = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = 0;
        await A.Page.RouteAsync($"**/api/retros/{_pair.RetroId}", async route =>
        {
            if (Interlocked.Exchange(ref held, 1) != 0)
            {
                await route.ContinueAsync();
                return;
            }
            boardRead.TrySetResult();
            await fail.Task;
            await route.AbortAsync("connectionreset");
        });
        await A.Page.EvaluateAsync("() => { window.__retro.refetch(); }");
        await boardRead.Task.WaitAsync(TimeSpan.FromSeconds(10));

        // B's topic reaches A while A's refetch is in flight: the page queues the event behind it.
        var pushed = A.WaitForFrameAsync(Deploys);
        await B.AddTopicAsync(Deploys, "Builds take 40 minutes");
        await pushed;
        fail.SetResult();

        await Expect(A.Page.Locator(".toast").Filter(new LocatorFilterOptions { HasText = "Could not refresh the board, retrying" }).First).ToBeVisibleAsync();
        await Expect(A.Card(Deploys)).ToHaveCountAsync(1);
        Assert.That(await A.WasReloadedAsync(), Is.False, "A caught up without reloading the page");
        await AssertBoardShowsAsync(A, await _environment.Http.GetBoardAsync(_pair.RetroId));
    }

    [Test]
    public async Task ClosePage_OfB_TakesBOffAsOnlineList()
    {
        await Expect(A.OnlineParticipant(A.ParticipantId)).ToHaveCountAsync(1);
        await Expect(A.OnlineParticipant(B.ParticipantId)).ToHaveCountAsync(1);

        await B.Page.CloseAsync();

        await Expect(A.OnlineParticipant(B.ParticipantId)).ToHaveCountAsync(0);
        await Expect(A.OnlineParticipant(A.ParticipantId)).ToHaveCountAsync(1);
        var board = await _environment.Http.GetBoardAsync(_pair.RetroId);
        Assert.That(board.Participants.Single(p => p.Id == B.ParticipantId).Online, Is.False, "the server has B offline");
        Assert.That(board.Participants.Single(p => p.Id == A.ParticipantId).Online, Is.True, "the server has A online");
    }

    /// <summary>
    /// A adds three topics, A and B vote, A starts the first and B marks it done. Every step is waited for on both pages
    /// (each crossed the backplane), so the order is fixed. Returns the steps as the activity feed must record them.
    /// </summary>
    private async Task<MeetingStep[]> RunMeetingUntilDoneAsync()
    {
        await A.AddTopicAsync(Deploys, "Builds take 40 minutes");
        await A.AddTopicAsync(Flaky, "Retries hide real failures");
        await A.AddTopicAsync(Standups, "Twenty minutes, every day");
        await Expect(B.Cards("next").GetByTestId("topic-title")).ToHaveTextAsync([Deploys, Flaky, Standups]);

        await B.VoteAsync(Standups);
        await ExpectVotesOnBothAsync(Standups, 1);
        await A.VoteAsync(Standups);
        await ExpectVotesOnBothAsync(Standups, 2);
        await B.VoteAsync(Flaky);
        await ExpectVotesOnBothAsync(Flaky, 1);
        foreach (var page in _pair.Both)
        {
            await Expect(page.Cards("next").GetByTestId("topic-title")).ToHaveTextAsync([Standups, Flaky, Deploys]);
        }

        await A.StartAsync(Deploys);
        foreach (var page in _pair.Both)
        {
            await Expect(page.Cards("current").GetByTestId("topic-title")).ToHaveTextAsync([Deploys]);
        }

        await B.DoneAsync(Deploys);
        foreach (var page in _pair.Both)
        {
            await Expect(page.Cards("previous").GetByTestId("topic-title")).ToHaveTextAsync([Deploys]);
        }

        var (a, b) = (A.ParticipantId, B.ParticipantId);
        return
        [
            new("topic.created", a, Deploys),
            new("topic.created", a, Flaky),
            new("topic.created", a, Standups),
            new("vote.changed", b, Standups),
            new("vote.changed", a, Standups),
            new("vote.changed", b, Flaky),
            new("topic.started", a, Deploys),
            new("topic.done", b, Deploys),
            new("topic.started", b, Standups), // the most-voted upcoming topic became current
        ];
    }

    private async Task ExpectVotesOnBothAsync(string title, long votes)
    {
        foreach (var page in _pair.Both) await Expect(page.Votes(title)).ToHaveTextAsync(VoteCount(votes));
    }

    /// <summary>The page shows exactly the server's board: the same topics (by id) in the same columns and order, the same votes, the same people online.</summary>
    private static async Task AssertBoardShowsAsync(RetroPage page, ServerBoard board)
    {
        foreach (var column in new[] { "previous", "current", "next" })
        {
            var topics = board.Column(column);
            var cards = page.Cards(column);
            await Expect(cards).ToHaveCountAsync(topics.Count);
            if (topics.Count == 0) continue;
            await Expect(cards.GetByTestId("topic-title")).ToHaveTextAsync(topics.Select(t => t.Title).ToArray());
            for (var i = 0; i < topics.Count; i++)
            {
                await Expect(cards.Nth(i)).ToHaveAttributeAsync("data-topic-id", topics[i].Id);
                await Expect(cards.Nth(i).GetByTestId("topic-votes")).ToHaveTextAsync(VoteCount(topics[i].Votes));
            }
        }
        var online = board.Participants.Where(p => p.Online).ToArray();
        await Expect(page.OnlineParticipants).ToHaveCountAsync(online.Length);
        foreach (var participant in online) await Expect(page.OnlineParticipant(participant.Id)).ToHaveCountAsync(1);
    }

    private static string TitleOf(ServerBoard board, string? topicId)
    {
        var all = board.Previous.Concat(board.Current).Concat(board.Next);
        return all.FirstOrDefault(t => t.Id == topicId)?.Title ?? $"(no topic {topicId})";
    }

    /// <summary>A vote count as the page may phrase it ("2", "2 votes", "★ 2"): the number alone, not part of another.</summary>
    private static Regex VoteCount(long votes) => new($@"(^|\D){votes}(\D|$)");
}
