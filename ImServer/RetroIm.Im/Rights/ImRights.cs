namespace RetroIm.Im.Rights;

/// <summary>
/// What a client may do on its own over its WebSocket, beyond receiving (the Azure Web PubSub role model). A right is
/// <c>&lt;verb&gt;.&lt;target&gt;</c>:
/// <list type="bullet">
/// <item><c>event.&lt;name&gt;</c> — send <c>{"type":"event","event":"&lt;name&gt;","data":…}</c> to the business.</item>
/// <item><c>joinLeaveChan.&lt;chan&gt;</c> — send <c>{"type":"join"|"leave","chan":"&lt;chan&gt;"}</c>.</item>
/// <item><c>sendToChan.&lt;chan&gt;</c> — send <c>{"type":"publish","chan":"&lt;chan&gt;","data":…}</c>.</item>
/// </list>
/// </summary>
/// <remarks>
/// <para>Matching is ordinal and case-sensitive. The verb is everything before the first <c>.</c>; the target is the
/// rest (it may contain more dots: <c>event.ui.typing</c> is the event <c>ui.typing</c>).</para>
/// <para>Wildcard rule: <c>*</c> may appear only as the last character of the target, and only as a whole segment —
/// the target is exactly <c>*</c>, or ends with <c>.*</c> or <c>:*</c>. Such a pattern matches every target that starts
/// with the text before the <c>*</c> and has at least one more character: <c>joinLeaveChan.retro:*</c> matches
/// <c>retro:42</c> and <c>retro:42:notes</c>, but not <c>retro</c>, <c>retro:</c> or <c>retrospective</c>;
/// <c>event.*</c> matches every event. Any other <c>*</c> makes the right invalid.</para>
/// </remarks>
public static class ImRights
{
    /// <summary>The verb of event rights.</summary>
    public const string EventVerb = "event";

    /// <summary>The verb of join/leave rights.</summary>
    public const string JoinLeaveChanVerb = "joinLeaveChan";

    /// <summary>The verb of publish rights.</summary>
    public const string SendToChanVerb = "sendToChan";

    /// <summary>The longest right accepted (characters).</summary>
    public const int MaxLength = 300;

    /// <summary><c>event.{name}</c>; <c>Event("*")</c> allows every event.</summary>
    public static string Event(string name) => EventVerb + "." + name;

    /// <summary><c>joinLeaveChan.{chan}</c>; e.g. <c>JoinLeaveChan("retro:*")</c>.</summary>
    public static string JoinLeaveChan(string chan) => JoinLeaveChanVerb + "." + chan;

    /// <summary><c>sendToChan.{chan}</c>.</summary>
    public static string SendToChan(string chan) => SendToChanVerb + "." + chan;

    /// <summary>True when <paramref name="right"/> is well formed (see the remarks of <see cref="ImRights"/>).</summary>
    public static bool IsValid(string? right) => Problem(right) is null;

    /// <summary>Throws <see cref="ArgumentException"/> naming what is wrong with a malformed right.</summary>
    public static void Validate(string? right, string paramName = "right")
    {
        if (Problem(right) is { } problem) throw new ArgumentException($"The right \"{right}\" is invalid: {problem}.", paramName);
    }

    /// <summary>
    /// True when the right <paramref name="pattern"/> allows <paramref name="verb"/> on <paramref name="target"/>.
    /// A malformed pattern allows nothing.
    /// </summary>
    public static bool Matches(string pattern, string verb, string target)
    {
        var p = pattern.AsSpan();
        if (p.Length <= verb.Length + 1 || !p.StartsWith(verb, StringComparison.Ordinal) || p[verb.Length] != '.') return false;
        var targetPattern = p[(verb.Length + 1)..];
        if (targetPattern[^1] != '*') return targetPattern.SequenceEqual(target);
        if (!IsWildcardTarget(targetPattern)) return false;
        var prefix = targetPattern[..^1];
        return target.Length > prefix.Length && target.AsSpan().StartsWith(prefix, StringComparison.Ordinal);
    }

    private static string? Problem(string? right)
    {
        if (string.IsNullOrEmpty(right)) return "it is empty";
        if (right.Length > MaxLength) return $"it is longer than {MaxLength} characters";
        var dot = right.IndexOf('.');
        if (dot < 0) return "expected <verb>.<target>";
        var verb = right.AsSpan(0, dot);
        if (!verb.SequenceEqual(EventVerb) && !verb.SequenceEqual(JoinLeaveChanVerb) && !verb.SequenceEqual(SendToChanVerb))
        {
            return $"the verb must be {EventVerb}, {JoinLeaveChanVerb} or {SendToChanVerb}";
        }
        var target = right.AsSpan(dot + 1);
        if (target.IsEmpty) return "the target is empty";
        var star = target.IndexOf('*');
        if (star >= 0 && (star != target.Length - 1 || !IsWildcardTarget(target)))
        {
            return "'*' is allowed only as a whole last segment (\"*\", \"….*\" or \"…:*\")";
        }
        return null;
    }

    private static bool IsWildcardTarget(ReadOnlySpan<char> target)
        => target.Length == 1 || target[^2] is '.' or ':';
}
