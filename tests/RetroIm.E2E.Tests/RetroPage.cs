using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace RetroIm.E2E.Tests;

/// <summary>
/// One person's retro page in its own browser context (its own localStorage, so its own participant), driven only
/// through the page's data-testid hooks, as a person would use it.
/// </summary>
internal sealed partial class RetroPage : IAsyncDisposable
{
    // Runs before the page's scripts: remembers every WebSocket the page opens, so a test can drop the live one.
    private const string SocketTracker = """
        (() => {
          const Native = window.WebSocket;
          const sockets = [];
          window.WebSocket = class extends Native {
            constructor(...args) { super(...args); sockets.push(this); }
          };
          window.__e2eSockets = sockets;
        })();
        """;

    private readonly List<string> _console = [];
    private readonly List<(Func<string, bool> Match, TaskCompletionSource Seen)> _frameWaiters = [];

    private RetroPage(string label, IBrowserContext context, IPage page)
    {
        Label = label;
        Context = context;
        Page = page;
        page.Console += (_, message) => Note($"console.{message.Type}: {message.Text}");
        page.PageError += (_, error) => Note($"page error: {error}");
        page.WebSocket += (_, socket) =>
        {
            Note($"websocket open {socket.Url.Split('?')[0]}");
            socket.Close += (_, _) => Note($"websocket closed {socket.Url.Split('?')[0]}");
            // Every frame the node sent, so a report shows whether a push that the page did not show arrived.
            socket.FrameReceived += (_, frame) =>
            {
                Note($"frame {Truncate(frame.Text ?? $"({frame.Binary?.Length ?? 0} bytes)")}");
                if (frame.Text is { } text) FrameArrived(text);
            };
        };
    }

    /// <summary>A name for reports (A, B, …).</summary>
    public string Label { get; }

    public IBrowserContext Context { get; }

    public IPage Page { get; }

    /// <summary>The participant id (the relay's clientId) once joined.</summary>
    public string ParticipantId { get; private set; } = "";

    /// <summary>The ImServer node the page's socket is on, from its welcome frame.</summary>
    public string Node { get; private set; } = "";

    public bool IsClosed => Page.IsClosed;

    public ILocator ConnectionState => Page.GetByTestId("connection-state");

    public ILocator ActivityItems => Page.GetByTestId("activity-item");

    public ILocator OnlineParticipants => Page.GetByTestId("online-list").GetByTestId("online-participant");

    public static async Task<RetroPage> OpenAsync(IBrowser browser, Uri baseAddress, string label)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
        });
        try
        {
            await context.AddInitScriptAsync(SocketTracker);
            var page = await context.NewPageAsync();
            return new RetroPage(label, context, page);
        }
        catch
        {
            await context.CloseAsync();
            throw;
        }
    }

    /// <summary>Creates a retro from the start page and returns its id (from the <c>#/r/{id}</c> link it opens).</summary>
    public async Task<string> CreateRetroAsync(string title)
    {
        await Page.GotoAsync("/");
        await Page.GetByTestId("create-title").FillAsync(title);
        await Page.GetByTestId("create-submit").ClickAsync();
        // A hash change is a same-document navigation; polling the URL is immune to the
        // navigation-event race that WaitForURLAsync has with it.
        await Expect(Page).ToHaveURLAsync(RetroLink());
        return RetroLink().Match(Page.Url).Groups["id"].Value;
    }

    /// <summary>Opens the retro link (the page shows the join form to a newcomer).</summary>
    public Task GotoRetroAsync(string retroId) => Page.GotoAsync($"/#/r/{retroId}");

    /// <summary>Joins under <paramref name="name"/> and waits until the page is live on a node.</summary>
    public async Task JoinAsync(string name)
    {
        await Page.GetByTestId("join-name").FillAsync(name);
        await Page.GetByTestId("join-submit").ClickAsync();
        await Expect(ConnectionState).ToHaveTextAsync("live");
        var welcome = await Page.EvaluateAsync<JsonElement>("() => window.__retro.conn.welcome");
        ParticipantId = welcome.GetProperty("clientId").GetString()!;
        Node = welcome.GetProperty("node").GetString()!;
    }

    public ILocator Column(string column) => Page.GetByTestId($"column-{column}");

    /// <summary>The cards of a column, in the order shown.</summary>
    public ILocator Cards(string column) => Column(column).GetByTestId("topic-card");

    /// <summary>The one card titled <paramref name="title"/>, wherever it is.</summary>
    public ILocator Card(string title) => Page.GetByTestId("topic-card").Filter(new LocatorFilterOptions
    {
        Has = Page.GetByTestId("topic-title").GetByText(title, new LocatorGetByTextOptions { Exact = true }),
    });

    public ILocator Votes(string title) => Card(title).GetByTestId("topic-votes");

    public ILocator OnlineParticipant(string participantId) =>
        Page.GetByTestId("online-list").Locator($"[data-testid=online-participant][data-participant-id=\"{participantId}\"]");

    public async Task AddTopicAsync(string title, string description)
    {
        await Page.GetByTestId("add-topic-title").FillAsync(title);
        await Page.GetByTestId("add-topic-description").FillAsync(description);
        await Page.GetByTestId("add-topic-submit").ClickAsync();
        await Expect(Card(title)).ToHaveCountAsync(1);
    }

    public Task VoteAsync(string title) => Card(title).GetByTestId("vote-button").ClickAsync();

    public Task StartAsync(string title) => Card(title).GetByTestId("start-button").ClickAsync();

    public Task DoneAsync(string title) => Card(title).GetByTestId("done-button").ClickAsync();

    /// <summary>Marks the document so that <see cref="WasReloadedAsync"/> can tell whether the page reloaded since.</summary>
    public Task MarkDocumentAsync() => Page.EvaluateAsync("() => { window.__e2eSameDocument = true; }");

    public async Task<bool> WasReloadedAsync() => !await Page.EvaluateAsync<bool>("() => window.__e2eSameDocument === true");

    /// <summary>
    /// Closes the page's open WebSocket from the browser with code 4000 (what the SDK itself uses for a dead socket).
    /// The server sees a real close, the SDK a real loss it must recover from. Returns how many sockets were open.
    /// </summary>
    public Task<int> DropSocketAsync() => Page.EvaluateAsync<int>("""
        () => {
          const open = window.__e2eSockets.filter(s => s.readyState === WebSocket.OPEN);
          for (const s of open) s.close(4000, 'dropped by the e2e test');
          return open.length;
        }
        """);

    /// <summary>Saves a full-page screenshot to <paramref name="path"/>.</summary>
    public async Task ScreenshotAsync(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        // Clicks scroll the page; a full-page shot of a scrolled page draws the sticky top bar over the board.
        await Page.EvaluateAsync("() => window.scrollTo(0, 0)");
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
    }

    /// <summary>
    /// What the page holds (board version, topic titles, connection state), for a failure report: with the frames it
    /// received, this tells a push that never arrived from one the page did not apply. Never throws.
    /// </summary>
    public async Task<string> DescribeStateAsync()
    {
        try
        {
            var state = await Page.EvaluateAsync<string>("""
                () => {
                  const r = window.__retro, b = r.board;
                  const titles = (list) => (b?.[list] ?? []).map((t) => t.title);
                  return JSON.stringify({ version: b?.version, previous: titles('previous'), current: titles('current'),
                    next: titles('next'), connection: r.conn?.state ?? null });
                }
                """).WaitAsync(TimeSpan.FromSeconds(5));
            return $"page {Label} state: {state}";
        }
        catch (Exception e)
        {
            return $"page {Label} state: unreadable ({e.GetType().Name}: {e.Message})";
        }
    }

    /// <summary>Completes when a WebSocket of this page receives a text frame containing <paramref name="text"/> from now on (at most 10 s).</summary>
    public Task WaitForFrameAsync(string text)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_frameWaiters) _frameWaiters.Add((frame => frame.Contains(text, StringComparison.Ordinal), seen));
        return seen.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    private void FrameArrived(string text)
    {
        lock (_frameWaiters)
        {
            foreach (var (match, seen) in _frameWaiters)
            {
                if (match(text)) seen.TrySetResult();
            }
            _frameWaiters.RemoveAll(w => w.Seen.Task.IsCompleted);
        }
    }

    /// <summary>What the page logged, for a failure report.</summary>
    public string DescribeForFailure()
    {
        lock (_console) return $"----- page {Label} ({ParticipantId} on {Node}) -----{Environment.NewLine}{string.Join(Environment.NewLine, _console)}";
    }

    private void Note(string line)
    {
        lock (_console) _console.Add($"{DateTime.UtcNow:HH:mm:ss.fff} {line}");
    }

    private static string Truncate(string text) => text.Length <= 400 ? text : text[..400] + "…";

    public async ValueTask DisposeAsync() => await Context.CloseAsync();

    [GeneratedRegex(@"#/r/(?<id>[A-Za-z0-9_-]+)$")]
    private static partial Regex RetroLink();
}
