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
    private readonly TaskCompletionSource _complete = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private HashSet<string>? _expected;

    public string MessageId { get; } = messageId;

    /// <summary>Completes when every expected node has reported.</summary>
    public Task Completion => _complete.Task;

    public void Report(ReceiptReport report)
    {
        lock (_gate)
        {
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
            return new SendReceipt(MessageId, written, offline) { SilentNodes = silent };
        }
    }

    private void CompleteIfDone()
    {
        if (_expected is not null && _expected.IsSubsetOf(_reported)) _complete.TrySetResult();
    }
}
