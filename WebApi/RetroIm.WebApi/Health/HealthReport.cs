namespace RetroIm.WebApi.Health;

/// <summary>
/// <c>{"status":"healthy"|"degraded"|"unhealthy","reason":null|"…","sqlite":true,"backplane":{"kind":"redis"|"memory","reachable":true},"nodes":2}</c>;
/// 503 <c>unhealthy</c> when SQLite fails, 503 <c>degraded</c> while the backplane (Redis) is unreachable (it recovers by
/// itself). Zero live nodes keeps 200 (the API works; connecting does not).
/// </summary>
internal sealed record HealthReport(string Status, string? Reason, bool Sqlite, BackplaneHealth Backplane, int Nodes);
