namespace RetroIm.WebApi.Retros;

/// <summary>A fresh single-use <c>ws(s)://node/ws?token=…</c> URL.</summary>
internal sealed record ConnectResponse(string ConnectUrl);
