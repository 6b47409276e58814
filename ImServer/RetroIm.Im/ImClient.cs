namespace RetroIm.Im;

/// <summary>Placeholder: the ImHelper instance type (written next).</summary>
public sealed partial class ImClient;
