namespace RetroIm.WebApi.Retros;

/// <summary>Who did something: <c>{"id","name"}</c>.</summary>
internal sealed record PersonView(string Id, string Name);
