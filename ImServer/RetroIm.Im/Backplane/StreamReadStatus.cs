namespace RetroIm.Im.Backplane;

/// <summary>The outcome of <see cref="IImBackplane.ReadStreamAsync"/>.</summary>
public enum StreamReadStatus
{
    /// <summary>Every entry after the given offset is returned (maybe none).</summary>
    Ok,

    /// <summary>The stream's epoch is not the given one: its sequence was lost (or never existed) and restarted.</summary>
    EpochChanged,

    /// <summary>Some of the missed entries are older than the retention (too many or too old).</summary>
    Expired,
}
