using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace RetroIm.E2E.Tests;

/// <summary>Proves Playwright drives Debian's Chromium here at all, before any test depends on it.</summary>
[TestFixture]
public sealed class ChromiumTests
{
    [Test]
    public async Task LaunchAsync_DebianChromium_RendersAndRunsScript()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        var page = await browser.NewPageAsync();

        await page.SetContentAsync("<p data-testid=\"greeting\"></p><script>document.querySelector('p').textContent = 'hello ' + (1 + 1);</script>");

        await Expect(page.GetByTestId("greeting")).ToHaveTextAsync("hello 2");
        Assert.That(browser.Version, Does.Match(@"^\d+\."), "Chromium reports its version");
    }
}
