namespace RetroIm.WebApi.Tests.Admin;

/// <summary>Without Admin:Key the admin does not exist: 404 with a message saying how to enable it.</summary>
[TestFixture]
public sealed class AdminDisabledTests : RetroAppTestBase
{
    [TestCase("/api/admin/nodes")]
    [TestCase("/admin")]
    public async Task Admin_NoKeyConfigured_404SayingHowToEnable(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("X-Admin-Key", "anything");

        using var response = await Api.Http.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("disabled").And.Contain("Admin:Key"));
    }
}
