namespace RetroIm.WebApi.Writes;

/// <summary>A command's result: a value, or the <see cref="RetroError"/> that refused it.</summary>
internal readonly record struct Outcome<T>
{
    private Outcome(T? value, RetroError? error)
    {
        Value = value;
        Error = error;
    }

    public T? Value { get; }

    public RetroError? Error { get; }

    public static implicit operator Outcome<T>(T value) => new(value, null);

    public static implicit operator Outcome<T>(RetroError error) => new(default, error);
}
