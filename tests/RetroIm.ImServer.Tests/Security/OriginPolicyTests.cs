using RetroIm.Relay.Hosting;

namespace RetroIm.ImServer.Tests.Security;

[TestFixture]
public sealed class OriginPolicyTests
{
    private static readonly object?[] AllowAllLists = [null, Array.Empty<string>(), new[] { "*" }, new[] { "https://app.example.com", "*" }];

    [TestCaseSource(nameof(AllowAllLists))]
    public void IsAllowed_NoListOrStar_AllowsEveryOrigin(string[]? allowed)
    {
        var policy = new OriginPolicy(allowed);
        Assert.Multiple(() =>
        {
            Assert.That(policy.IsEnabled, Is.False);
            Assert.That(policy.IsAllowed("https://evil.test"), Is.True);
            Assert.That(policy.IsAllowed("null"), Is.True);
        });
    }

    [TestCase("https://app.example.com", true)]
    [TestCase("https://APP.example.com", true)]
    [TestCase("https://app.example.com:443", true)]
    [TestCase("https://app.example.com/", true)]
    [TestCase("http://app.example.com", false)]
    [TestCase("https://app.example.com:8443", false)]
    [TestCase("https://app.example.com.evil.test", false)]
    [TestCase("https://evilapp.example.com", false)]
    [TestCase("https://example.com", false)]
    [TestCase("null", false)]
    [TestCase("not a url", false)]
    public void IsAllowed_ExactOrigin_MatchesSchemeHostAndPort(string origin, bool allowed)
    {
        var policy = new OriginPolicy(["https://app.example.com"]);
        Assert.That(policy.IsAllowed(origin), Is.EqualTo(allowed));
    }

    [TestCase("https://a.example.com", true)]
    [TestCase("https://a.b.example.com", true)]
    [TestCase("https://example.com", false)]
    [TestCase("https://badexample.com", false)]
    [TestCase("https://a.example.com.evil.test", false)]
    [TestCase("http://a.example.com", false)]
    [TestCase("http://localhost:5173", true)]
    [TestCase("http://localhost:5174", false)]
    public void IsAllowed_WildcardSubdomain_MatchesOnlySubdomains(string origin, bool allowed)
    {
        var policy = new OriginPolicy(["https://*.example.com", "http://localhost:5173"]);
        Assert.That(policy.IsAllowed(origin), Is.EqualTo(allowed));
    }

    [TestCase(null)]
    [TestCase("")]
    public void IsAllowed_NoOriginHeader_AllowedBecauseNotABrowser(string? origin)
    {
        var policy = new OriginPolicy(["https://app.example.com"]);
        Assert.That(policy.IsAllowed(origin), Is.True);
    }

    [TestCase("app.example.com")]
    [TestCase("https://")]
    [TestCase("https://app.example.com/path")]
    [TestCase("https://app.*.example.com")]
    [TestCase("https://*")]
    [TestCase("https://user@app.example.com")]
    public void TryParse_NotAnOrigin_Refused(string entry)
    {
        Assert.That(OriginPattern.TryParse(entry, out _, out var error), Is.False);
        Assert.That(error, Does.Contain(entry));
    }

    [Test]
    public void Validator_BadOriginEntry_FailsNamingTheKey()
    {
        var result = new RetroIm.Relay.ImRelayOptionsValidator().Validate(null, new RetroIm.Relay.ImRelayOptions { AllowedOrigins = ["example.com"] });
        Assert.That(result.Failed, Is.True);
        Assert.That(result.FailureMessage, Does.Contain("ImServer:AllowedOrigins"));
    }

    [Test]
    public void Validator_NegativeLimits_FailNamingEachKey()
    {
        var result = new RetroIm.Relay.ImRelayOptionsValidator().Validate(null, new RetroIm.Relay.ImRelayOptions
        {
            ConnectsPerSecondPerIp = -1,
            FramesPerSecond = -1,
            MaxChannelsPerClient = -1,
        });
        Assert.That(result.FailureMessage, Does.Contain("ConnectsPerSecondPerIp").And.Contain("FramesPerSecond").And.Contain("MaxChannelsPerClient"));
    }

    [TestCase("-00:00:01")]
    [TestCase("00:00:00.100")]
    public void Validator_SilentNodeTimeoutNegativeOrTiny_FailsNamingTheKey(string value)
    {
        var result = new RetroIm.Relay.ImRelayOptionsValidator().Validate(null, new RetroIm.Relay.ImRelayOptions { SilentNodeTimeout = TimeSpan.Parse(value, System.Globalization.CultureInfo.InvariantCulture) });
        Assert.That(result.Failed, Is.True);
        Assert.That(result.FailureMessage, Does.Contain("ImServer:SilentNodeTimeout").And.Contain("00:00:00.5"));
    }

    [TestCase("00:00:00")]
    [TestCase("00:00:00.500")]
    public void Validator_SilentNodeTimeoutOffOrAtLeastHalfASecond_Passes(string value)
    {
        var result = new RetroIm.Relay.ImRelayOptionsValidator().Validate(null, new RetroIm.Relay.ImRelayOptions { SilentNodeTimeout = TimeSpan.Parse(value, System.Globalization.CultureInfo.InvariantCulture) });
        Assert.That(result.Succeeded, Is.True, result.FailureMessage);
    }

    [Test]
    public void Validator_Defaults_Pass()
    {
        var result = new RetroIm.Relay.ImRelayOptionsValidator().Validate(null, new RetroIm.Relay.ImRelayOptions { AllowedOrigins = ["https://*.example.com", "*"] });
        Assert.That(result.Succeeded, Is.True, result.FailureMessage);
    }
}
