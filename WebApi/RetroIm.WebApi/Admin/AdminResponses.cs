using RetroIm.Im;
using RetroIm.Im.Backplane;

namespace RetroIm.WebApi.Admin;

/// <summary>GET /api/admin/nodes: the live nodes with their figures from their last heartbeat.</summary>
internal sealed record AdminNodesResponse(long AtMs, IReadOnlyList<NodeInfo> Nodes);

/// <summary>GET /api/admin/chans: channels with their member and online counts.</summary>
internal sealed record AdminChansResponse(IReadOnlyList<ChanInfo> Chans);

/// <summary>One client and the nodes holding its connections (how many each).</summary>
internal sealed record AdminClient(string ClientId, bool Online, IReadOnlyDictionary<string, long> Nodes);

/// <summary>GET /api/admin/clients: the first online clients by id, and how many are online in all.</summary>
internal sealed record AdminClientsResponse(long Total, IReadOnlyList<AdminClient> Clients);

/// <summary>POST /api/admin/clients/{clientId}/kick.</summary>
internal sealed record AdminKickResponse(string ClientId, bool WasOnline, bool Kicked);

/// <summary>GET /api/admin/history: the graph's samples, oldest first.</summary>
internal sealed record AdminHistoryResponse(long IntervalMs, int Capacity, IReadOnlyList<AdminSample> Samples);
