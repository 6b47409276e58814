namespace RetroIm.Im.Rights;

/// <summary>
/// The rights one connection holds: immutable, so a connection swaps the whole set on a grant or revoke and readers
/// never lock. Connections without rights share <see cref="Empty"/> (no allocation per idle connection).
/// </summary>
internal sealed class ClientRightSet
{
    public static readonly ClientRightSet Empty = new([]);

    private readonly string[] _rights;

    private ClientRightSet(string[] rights) => _rights = rights;

    public IReadOnlyList<string> Rights => _rights;

    /// <summary>The valid, distinct rights of a ticket (invalid ones are dropped: they could never match).</summary>
    public static ClientRightSet From(IReadOnlyList<string>? rights) => Empty.With(rights);

    public bool Allows(string verb, string target)
    {
        foreach (var right in _rights)
        {
            if (ImRights.Matches(right, verb, target)) return true;
        }
        return false;
    }

    public ClientRightSet With(IReadOnlyList<string>? rights)
    {
        if (rights is null || rights.Count == 0) return this;
        var list = new List<string>(_rights);
        foreach (var right in rights)
        {
            if (ImRights.IsValid(right) && !list.Contains(right)) list.Add(right);
        }
        return list.Count == _rights.Length ? this : new ClientRightSet([.. list]);
    }

    /// <summary>Removes rights granted with exactly these strings; it never carves an exception out of a wildcard.</summary>
    public ClientRightSet Without(IReadOnlyList<string>? rights)
    {
        if (rights is null || rights.Count == 0) return this;
        var list = new List<string>(_rights.Length);
        foreach (var right in _rights)
        {
            if (!rights.Contains(right)) list.Add(right);
        }
        if (list.Count == _rights.Length) return this;
        return list.Count == 0 ? Empty : new ClientRightSet([.. list]);
    }
}
