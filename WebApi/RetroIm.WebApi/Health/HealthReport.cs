namespace RetroIm.WebApi.Health;

/// <summary>
/// <c>{"status":"healthy"|"unhealthy","sqlite":true,"backplane":{"kind":"redis"|"memory","reachable":true},"nodes":2}</c>;
/// unhealthy (503) when SQLite or the backplane fails. Zero live nodes keeps 200 (the API works; connecting does not).
/// </summary>
internal sealed record HealthReport(string Status, bool Sqlite, BackplaneHealth Backplane, int Nodes);
