namespace RetroIm.Relay.Commands;

/// <summary>The frames a client sends to act by itself; each needs a right (see <c>RetroIm.Im.Rights.ImRights</c>).</summary>
internal enum ClientCommandKind
{
    /// <summary><c>{"type":"event","event":"…","data":…}</c>: needs <c>event.&lt;name&gt;</c>.</summary>
    Event,

    /// <summary><c>{"type":"join","chan":"…"}</c>: needs <c>joinLeaveChan.&lt;chan&gt;</c>.</summary>
    Join,

    /// <summary><c>{"type":"leave","chan":"…"}</c>: needs <c>joinLeaveChan.&lt;chan&gt;</c>.</summary>
    Leave,

    /// <summary><c>{"type":"publish","chan":"…","data":…}</c>: needs <c>sendToChan.&lt;chan&gt;</c>.</summary>
    Publish,
}
