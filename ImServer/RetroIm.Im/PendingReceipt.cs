using RetroIm.Im.Protocol;

namespace RetroIm.Im;

/// <summary>
/// Collects the <see cref="ReceiptReport"/>s of one message. It is registered before the publish, because a node may
/// report before <c>PublishToClientsAsync</c> returns the list of nodes to wait for; it completes once every one of
/// those nodes has reported.
/// </summary>
internal sealed class PendingReceipt(string messageId, IReadOnlyList<string> receivers)
{
    private readonly Lock _gate = new();
    private readonly HashSet<string> _reported = new(StringComparer.Ordinal);
    private readonly HashSet<string> _written = new(StringComparer.Ordinal);
    private readonly HashSet<string> _acked = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _complete = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _allAcked = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private HashSet<string>? _expected;

    public string MessageId { get; } = messageId;

    /// <summary>Completes when every expected node has reported.</summary>
    public Task Completion => _complete.Task;

    /// <summary>Completes when every node has reported and every written receiver has acknowledged.</summary>
    public Task AllAcked => _allAcked.Task;

    public void Report(ReceiptReport report)
    {
        lock (_gate)
        {
            if (report.Acked is { } acked)
            {
                // An acknowledgement, not the node's write report.
                foreach (var clientId in acked) _acked.Add(clientId);
                CompleteIfDone();
                return;
            }
            _reported.Add(report.Node);
            foreach (var clientId in report.Written) _written.Add(clientId);
            CompleteIfDone();
        }
    }

    public void Expect(IReadOnlyList<string> nodeIds)
    {
        lock (_gate)
        {
            _expected = new HashSet<string>(nodeIds, StringComparer.Ordinal);
            CompleteIfDone();
        }
    }

    /// <summary>The receipt as of now: receivers in the order they were given, nodes still silent listed.</summary>
    public SendReceipt ToReceipt()
    {
        lock (_gate)
        {
            var written = new List<string>();
            var offline = new List<string>();
            foreach (var clientId in receivers) (_written.Contains(clientId) ? written : offline).Add(clientId);
            var silent = new List<string>();
            if (_expected is not null)
            {
                foreach (var node in _expected)
                {
                    if (!_reported.Contains(node)) silent.Add(node);
                }
                silent.Sort(StringComparer.Ordinal);
            }
            var acked = new List<string>();
            foreach (var clientId in receivers)
            {
                if (_acked.Contains(clientId)) acked.Add(clientId);
            }
            return new SendReceipt(MessageId, written, offline) { SilentNodes = silent, Acked = acked };
        }
    }

    private void CompleteIfDone()
    {
        if (_expected is null || !_expected.IsSubsetOf(_reported)) return;
        _complete.TrySetResult();
        if (_written.IsSubsetOf(_acked)) _allAcked.TrySetResult();
    }
}
