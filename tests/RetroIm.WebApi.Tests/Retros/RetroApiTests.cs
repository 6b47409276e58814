namespace RetroIm.WebApi.Tests.Retros;

[TestFixture]
public sealed class RetroApiTests : RetroAppTestBase
{
    [Test]
    public async Task CreateRetro_WithTitle_Returns201EmptyBoard()
    {
        var response = await Api.PostAsync("/api/retros", new { title = "  Sprint 42  " });

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.Created), response.ToString());
        var board = response.Json;
        Assert.Multiple(() =>
        {
            Assert.That(board.Str("id"), Does.Match("^[0-9A-Za-z]{10}$"));
            Assert.That(board.Str("title"), Is.EqualTo("Sprint 42"));
            Assert.That(board.GetProperty("version").GetInt64(), Is.EqualTo(1));
            Assert.That(board.GetProperty("votesPerParticipant").GetInt32(), Is.EqualTo(3));
            Assert.That(board.GetProperty("previous").GetArrayLength(), Is.Zero);
            Assert.That(board.GetProperty("current").GetArrayLength(), Is.Zero);
            Assert.That(board.GetProperty("next").GetArrayLength(), Is.Zero);
            Assert.That(board.GetProperty("participants").GetArrayLength(), Is.Zero);
            Assert.That(board.GetProperty("me").ValueKind, Is.EqualTo(JsonValueKind.Null));
            Assert.That(DateTimeOffset.Parse(board.Str("createdAt")), Is.EqualTo(DateTimeOffset.UtcNow).Within(TimeSpan.FromMinutes(1)));
        });
    }

    [TestCase("", TestName = "CreateRetro_EmptyTitle_Returns400WithTitleError")]
    [TestCase("   ", TestName = "CreateRetro_BlankTitle_Returns400WithTitleError")]
    [TestCase(null, TestName = "CreateRetro_MissingTitle_Returns400WithTitleError")]
    public async Task CreateRetro_InvalidTitle_Returns400WithTitleError(string? title)
    {
        var response = await Api.PostAsync("/api/retros", new { title });

        ProblemAssert.Validation(response, "title");
    }

    [Test]
    public async Task CreateRetro_TitleOver200_Returns400WithTitleError()
    {
        var response = await Api.PostAsync("/api/retros", new { title = new string('x', 201) });

        ProblemAssert.Validation(response, "title");
    }

    [Test]
    public async Task CreateRetro_MalformedJson_Returns400Problem()
    {
        using var content = new StringContent("{\"title\":", System.Text.Encoding.UTF8, "application/json");
        using var response = await Api.Http.PostAsync("/api/retros", content);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Not.Contain("Exception").And.Not.Contain(" at "));
    }

    [Test]
    public async Task GetRetro_UnknownId_Returns404Problem()
    {
        var response = await Api.GetAsync("/api/retros/doesnotexist");

        ProblemAssert.Problem(response, HttpStatusCode.NotFound, "retro_not_found");
    }

    [Test]
    public async Task Join_WithName_Returns201ParticipantTokenAndConnectUrl()
    {
        var retroId = await Api.CreateRetroAsync();

        var response = await Api.PostAsync($"/api/retros/{retroId}/participants", new { name = "Ann" });

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.Created), response.ToString());
        Assert.Multiple(() =>
        {
            Assert.That(response.Str("participantId"), Does.Match("^[0-9A-Za-z]{10}$"));
            Assert.That(response.Str("token"), Does.Match("^[A-Za-z0-9_-]{43}$"), "32 random bytes, base64url");
            Assert.That(response.Str("connectUrl"), Does.StartWith($"ws://127.0.0.1:{App.Port}/ws?token="));
        });
    }

    [Test]
    public async Task Join_NameMissingOrOver60_Returns400WithNameError()
    {
        var retroId = await Api.CreateRetroAsync();

        ProblemAssert.Validation(await Api.PostAsync($"/api/retros/{retroId}/participants", new { name = "" }), "name");
        ProblemAssert.Validation(await Api.PostAsync($"/api/retros/{retroId}/participants", new { name = new string('n', 61) }), "name");
        var board = await Api.GetBoardAsync(retroId);
        Assert.That(board.GetProperty("participants").GetArrayLength(), Is.Zero, "nothing written on a refused join");
    }

    [Test]
    public async Task Join_UnknownRetro_Returns404Problem()
    {
        var response = await Api.PostAsync("/api/retros/doesnotexist/participants", new { name = "Ann" });

        ProblemAssert.Problem(response, HttpStatusCode.NotFound, "retro_not_found");
    }

    [Test]
    public async Task GetRetro_WithBearer_ShowsMeAndParticipants()
    {
        var retroId = await Api.CreateRetroAsync();
        var ann = await Api.JoinAsync(retroId, "Ann");
        await Api.JoinAsync(retroId, "Bob");

        var board = await Api.GetBoardAsync(retroId, ann.Token);

        var me = board.GetProperty("me");
        Assert.Multiple(() =>
        {
            Assert.That(me.Str("participantId"), Is.EqualTo(ann.Id));
            Assert.That(me.Str("name"), Is.EqualTo("Ann"));
            Assert.That(me.GetProperty("votesLeft").GetInt32(), Is.EqualTo(3));
            Assert.That(me.GetProperty("votedTopicIds").GetArrayLength(), Is.Zero);
            Assert.That(board.GetProperty("participants").EnumerateArray().Select(p => p.Str("name")), Is.EqualTo(new[] { "Ann", "Bob" }));
            Assert.That(board.GetProperty("participants")[0].GetProperty("online").GetBoolean(), Is.False);
            Assert.That(board.GetProperty("version").GetInt64(), Is.EqualTo(3), "created + two joins");
        });
    }

    [Test]
    public async Task GetRetro_BearerOfAnotherRetro_HasNoMe()
    {
        var retroId = await Api.CreateRetroAsync();
        var stranger = await Api.JoinAsync(await Api.CreateRetroAsync(), "Eve");

        var board = await Api.GetBoardAsync(retroId, stranger.Token);

        Assert.That(board.GetProperty("me").ValueKind, Is.EqualTo(JsonValueKind.Null));
    }

    [Test]
    public async Task Connect_WithBearer_ReturnsFreshConnectUrl()
    {
        var retroId = await Api.CreateRetroAsync();
        var ann = await Api.JoinAsync(retroId);

        var first = await Api.GetAsync($"/api/retros/{retroId}/connect", ann.Token);
        var second = await Api.GetAsync($"/api/retros/{retroId}/connect", ann.Token);

        Assert.That(first.Status, Is.EqualTo(HttpStatusCode.OK), first.ToString());
        Assert.That(first.Str("connectUrl"), Does.StartWith($"ws://127.0.0.1:{App.Port}/ws?token="));
        Assert.That(second.Str("connectUrl"), Is.Not.EqualTo(first.Str("connectUrl")));
    }

    [Test]
    public async Task Connect_NoBearerWrongBearerOrOtherRetrosBearer_Returns401Problem()
    {
        var retroId = await Api.CreateRetroAsync();
        await Api.JoinAsync(retroId);
        var stranger = await Api.JoinAsync(await Api.CreateRetroAsync(), "Eve");

        ProblemAssert.Problem(await Api.GetAsync($"/api/retros/{retroId}/connect"), HttpStatusCode.Unauthorized, "unauthorized");
        ProblemAssert.Problem(await Api.GetAsync($"/api/retros/{retroId}/connect", "not-a-token"), HttpStatusCode.Unauthorized, "unauthorized");
        ProblemAssert.Problem(await Api.GetAsync($"/api/retros/{retroId}/connect", stranger.Token), HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Test]
    public async Task Connect_UnknownRetro_Returns404Problem()
    {
        var ann = await Api.JoinAsync(await Api.CreateRetroAsync());

        ProblemAssert.Problem(await Api.GetAsync("/api/retros/doesnotexist/connect", ann.Token), HttpStatusCode.NotFound, "retro_not_found");
    }
}
