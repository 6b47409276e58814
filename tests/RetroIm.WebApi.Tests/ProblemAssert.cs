namespace RetroIm.WebApi.Tests;

/// <summary>The problem+json shapes of the API: ValidationProblem with field errors, and problems with a stable code.</summary>
internal static class ProblemAssert
{
    public static void Validation(ApiResponse response, params string[] fields)
    {
        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.BadRequest), response.ToString());
        Assert.That(response.MediaType, Is.EqualTo("application/problem+json"));
        Assert.That(response.ErrorFields(), Is.EquivalentTo(fields), response.ToString());
    }

    public static void Problem(ApiResponse response, HttpStatusCode status, string code)
    {
        Assert.That(response.Status, Is.EqualTo(status), response.ToString());
        Assert.That(response.MediaType, Is.EqualTo("application/problem+json"));
        Assert.That(response.Str("code"), Is.EqualTo(code));
        Assert.That(response.Num("status"), Is.EqualTo((int)status));
    }
}
