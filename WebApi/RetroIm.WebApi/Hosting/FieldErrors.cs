namespace RetroIm.WebApi.Hosting;

/// <summary>Collects per-field validation messages for a ValidationProblem response.</summary>
internal sealed class FieldErrors
{
    private Dictionary<string, string[]>? _errors;

    public FieldErrors Required(string field, string? value, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(value)) return Add(field, $"The {field} is required.");
        return Optional(field, value, maxLength);
    }

    public FieldErrors Optional(string field, string? value, int maxLength) =>
        value is not null && value.Length > maxLength ? Add(field, $"The {field} must be at most {maxLength} characters.") : this;

    public FieldErrors Add(string field, string message)
    {
        _errors ??= new Dictionary<string, string[]>(StringComparer.Ordinal);
        _errors[field] = _errors.TryGetValue(field, out var existing) ? [.. existing, message] : [message];
        return this;
    }

    public Dictionary<string, string[]>? ToDictionary() => _errors;
}
