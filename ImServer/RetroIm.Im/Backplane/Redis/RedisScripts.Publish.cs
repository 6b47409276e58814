using RetroIm.Redis;

namespace RetroIm.Im.Backplane;

internal static partial class RedisScripts
{
    /// <summary>
    /// ARGV: client key prefix, node channel prefix, packet, clientIds…. Publishes the packet once to every node holding
    /// any of the clients; returns {nodeIds, offline clientIds}, each without duplicates.
    /// </summary>
    public static readonly LuaScript PublishToClients = Script("""
        local seenClients, seenNodes, nodes, offline = {}, {}, {}, {}
        for i = 4, #ARGV do
          local client = ARGV[i]
          if not seenClients[client] then
            seenClients[client] = true
            local held = redis.call('HKEYS', ARGV[1] .. client)
            if #held == 0 then offline[#offline + 1] = client end
            for _, node in ipairs(held) do
              if not seenNodes[node] then
                seenNodes[node] = true
                nodes[#nodes + 1] = node
              end
            end
          end
        end
        for _, node in ipairs(nodes) do redis.call('PUBLISH', ARGV[2] .. node, ARGV[3]) end
        return {nodes, offline}
        """);

    /// <summary>
    /// Defines <c>append(stream, frame)</c> → epoch, offset (a decimal string): the next offset of the stream (a new
    /// sequence gets the fresh epoch and an emptied history), the frame appended to the history (<c>MAXLEN ~</c>).
    /// Reads ARGV[1] seq key prefix, [2] history key prefix, [3] max entries, [4] max age ms, [5] fresh epoch.
    /// </summary>
    /// <remarks>
    /// An append is one HMGET, one HSET and one XADD. The expiry refreshes and the age trim ("maintenance") run only
    /// when the sequence's <c>m</c> (Redis ms of the last maintenance) is missing, older than max age, or in the future,
    /// when the stored retention differs from this append's, or when <c>a</c> (the offset the last maintained append
    /// assigned) differs from <c>s</c> — another writer (an older ImHelper or node, or GetStreamPositions) touched the
    /// sequence since. Maintenance sets the sequence's TTL to max(max age, 24 h) + max age and the history's to
    /// 2 × max age, so until the next one (at most max age later) the sequence lives ≥ max(max age, 24 h) and the history
    /// ≥ max age past every append, as when both were refreshed every time. Entries older than max age can linger in the
    /// history until then; ReadStream never serves them.
    /// </remarks>
    private const string AppendFunction = """
        local seqPrefix, histPrefix, maxLenArg, maxAgeArg, freshEpoch = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
        local maxLen, maxAge = tonumber(maxLenArg), tonumber(maxAgeArg)
        -- The sequence outlives the history, so a client idle for longer than the retention still resumes in its epoch.
        local seqTtl = math.max(maxAge, 86400000)
        local function append(stream, frame)
          local seqKey, histKey = seqPrefix .. stream, histPrefix .. stream
          local seq = redis.call('HMGET', seqKey, 'e', 's', 'a', 'm', 'n', 't')
          local epoch, last, maintained = seq[1], seq[2], tonumber(seq[4])
          local offset = string.format('%d', (tonumber(last) or 0) + 1)
          if epoch and last == seq[3] and maintained and now >= maintained and now - maintained < maxAge
              and seq[5] == maxLenArg and seq[6] == maxAgeArg then
            redis.call('HSET', seqKey, 's', offset, 'a', offset)
            redis.call('XADD', histKey, 'MAXLEN', '~', maxLenArg, '*', 'o', offset, 'f', frame)
            return epoch, offset
          end
          if not epoch then
            -- A new (or lost and restarted) sequence: entries of an older epoch must never be served under this one.
            -- (A sequence GetStreamPositions started has its epoch and offset 0: the first append keeps that epoch.)
            epoch = freshEpoch
            redis.call('DEL', histKey)
          end
          redis.call('HSET', seqKey, 'e', epoch, 's', offset, 'a', offset, 'm', now, 'n', maxLenArg, 't', maxAgeArg)
          redis.call('PEXPIRE', seqKey, seqTtl + maxAge)
          redis.call('XADD', histKey, 'MAXLEN', '~', maxLenArg, '*', 'o', offset, 'f', frame)
          redis.call('XTRIM', histKey, 'MINID', '~', now - maxAge)
          redis.call('PEXPIRE', histKey, 2 * maxAge)
          return epoch, offset
        end

        """;

    /// <summary>
    /// ARGV: [1..5] as <see cref="AppendFunction"/> (a retention that keeps: max entries ≥ 1), [6] client key prefix,
    /// [7] node channel prefix, [8] node batch channel prefix, then per message [header JSON without its closing brace,
    /// frame, receiver count k, k distinct clientIds]. For each message in order: appends its frame to every receiver's
    /// stream and makes one packet, header + positions + frame, for every node holding any of them. Then each node
    /// gets its packets, in message order, as one PUBLISH on its batch channel (<c>RelayBatch</c>: length, <c>\n</c>,
    /// packet, …), or, when no one listens there (a node older than batches), one PUBLISH per packet on its node channel.
    /// Returns one flat array, per message in order: the count of nodes, the nodeIds, the count of offline clients,
    /// the clientIds (each list without duplicates); a message that failed (e.g. a key of the wrong type) has -1 and the
    /// error text instead and is not published, and the others still go out. (Messages not kept need no atomic append:
    /// <see cref="DirectSendBatcher"/> sends them as plain commands.)
    /// </summary>
    /// <remarks>
    /// Flat, because Redis turns every Lua table of a reply into RESP by probing it for fields (err, ok, double, map,
    /// set, …) first: two small tables per message cost Redis about a quarter of its time for this script.
    /// </remarks>
    public static readonly LuaScript PublishMessagesToClients = ClockScript(AppendFunction + """
        local clientPrefix, nodePrefix, batchPrefix = ARGV[6], ARGV[7], ARGV[8]
        -- Per node, in order of first use: per message, in message order, a length line and the packet's three pieces
        -- (the header as given, its positions, the frame as given), so the batch is one table.concat and the header and
        -- frame are copied once, never into a packet string of their own first.
        local batches, batchNodes = {}, {}
        local function queue(node, length, header, positions, frame)
          local batch = batches[node]
          if not batch then
            batch = {}
            batches[node] = batch
            batchNodes[#batchNodes + 1] = node
          end
          local n = #batch
          batch[n + 1] = length
          batch[n + 2] = header
          batch[n + 3] = positions
          batch[n + 4] = frame
        end
        -- The reply (see above), filled as messages go out.
        local out = {}
        local function send(first, last, header, frame)
          if first == last then
            -- One receiver: no tables to merge nodes in.
            local client = ARGV[first]
            local epoch, offset = append('c:' .. client, frame)
            local held = redis.call('HKEYS', clientPrefix .. client)
            local n = #held
            if n == 0 then
              out[#out + 1] = 0
              out[#out + 1] = 1
              out[#out + 1] = client
              return
            end
            local positions = ',"pe":["' .. epoch .. '"],"po":[' .. offset .. ']}\n'
            local length = (#header + #positions + #frame) .. '\n'
            out[#out + 1] = n
            for _, node in ipairs(held) do
              queue(node, length, header, positions, frame)
              out[#out + 1] = node
            end
            out[#out + 1] = 0
            return
          end
          local epochs, offsets, seenNodes, nodes, offline = {}, {}, {}, {}, {}
          for i = first, last do
            local client = ARGV[i]
            local epoch, offset = append('c:' .. client, frame)
            epochs[#epochs + 1] = '"' .. epoch .. '"'
            offsets[#offsets + 1] = offset
            local held = redis.call('HKEYS', clientPrefix .. client)
            if #held == 0 then offline[#offline + 1] = client end
            for _, node in ipairs(held) do
              if not seenNodes[node] then
                seenNodes[node] = true
                nodes[#nodes + 1] = node
              end
            end
          end
          local positions = ',"pe":[' .. table.concat(epochs, ',') .. '],"po":[' .. table.concat(offsets, ',') .. ']}\n'
          local length = (#header + #positions + #frame) .. '\n'
          out[#out + 1] = #nodes
          for _, node in ipairs(nodes) do
            queue(node, length, header, positions, frame)
            out[#out + 1] = node
          end
          out[#out + 1] = #offline
          for _, client in ipairs(offline) do out[#out + 1] = client end
        end
        -- Per message: [header, frame, k, ids].
        local i, argc = 9, #ARGV
        while i <= argc do
          local count = tonumber(ARGV[i + 2])
          local first = i + 3
          local last = first + count - 1
          local mark = #out
          local ok, e = pcall(send, first, last, ARGV[i], ARGV[i + 1])
          if not ok then
            -- (send fails before it queues or reports anything; the loop only makes sure.)
            for k = #out, mark + 1, -1 do out[k] = nil end
            out[#out + 1] = -1
            out[#out + 1] = type(e) == 'table' and e.err or tostring(e)
          end
          i = last + 1
        end
        for _, node in ipairs(batchNodes) do
          local batch = batches[node]
          if redis.call('PUBLISH', batchPrefix .. node, table.concat(batch)) == 0 then
            -- A node older than batches: each packet alone on its inbox, without the entry's length line.
            for k = 2, #batch, 4 do redis.call('PUBLISH', nodePrefix .. node, batch[k] .. batch[k + 1] .. batch[k + 2]) end
          end
        end
        return out
        """);

    /// <summary>
    /// ARGV: [1..5] as <see cref="AppendFunction"/>, [6] channel topic, [7] stream, [8] header JSON without its closing
    /// brace, [9] frame. Appends and publishes; returns {epoch, offset}.
    /// </summary>
    public static readonly LuaScript PublishChanMessage = ClockScript(AppendFunction + """
        local epoch, offset = append(ARGV[7], ARGV[9])
        redis.call('PUBLISH', ARGV[6], ARGV[8] .. ',"pe":["' .. epoch .. '"],"po":[' .. string.format('%d', offset) .. ']}\n' .. ARGV[9])
        return {epoch, offset}
        """);

    /// <summary>
    /// ARGV: [1] seq key prefix, [2] history key prefix, [3] sequence TTL ms, [4…] (stream, fresh epoch) pairs. Returns
    /// {epoch, offset, …} per stream, starting a sequence at offset 0 (and emptying any orphaned history) where none exists.
    /// </summary>
    public static readonly LuaScript StreamPositions = Script("""
        local out = {}
        for i = 4, #ARGV, 2 do
          local seqKey = ARGV[1] .. ARGV[i]
          local seq = redis.call('HMGET', seqKey, 'e', 's')
          if not seq[1] then
            redis.call('DEL', ARGV[2] .. ARGV[i])
            redis.call('HSET', seqKey, 'e', ARGV[i + 1], 's', 0)
            redis.call('PEXPIRE', seqKey, tonumber(ARGV[3]))
            seq = {ARGV[i + 1], '0'}
          end
          out[#out + 1] = seq[1]
          out[#out + 1] = seq[2] or '0'
        end
        return out
        """);

    /// <summary>
    /// ARGV: [1] seq key, [2] history key, [3] epoch, [4] after offset. Returns {status, epoch, last offset,
    /// {offset, frame, …} oldest first}; status "ok", "epoch" (another or no sequence) or "expired" (a missed entry was
    /// trimmed, or is beyond the count or age retention).
    /// </summary>
    public static readonly LuaScript ReadStream = ClockScript("""
        local seq = redis.call('HMGET', ARGV[1], 'e', 's', 'n', 't')
        local epoch, last, after = seq[1], tonumber(seq[2] or '0'), tonumber(ARGV[4])
        if not epoch then return {'epoch', '', 0, {}} end
        if epoch ~= ARGV[3] or after > last or after < 0 then return {'epoch', epoch, last, {}} end
        if after == last then return {'ok', epoch, last, {}} end
        local missed = last - after
        if missed > tonumber(seq[3]) then return {'expired', epoch, last, {}} end
        local oldest = now - tonumber(seq[4])
        local newest = redis.call('XREVRANGE', ARGV[2], '+', '-', 'COUNT', missed)
        if #newest < missed then return {'expired', epoch, last, {}} end
        local out = {}
        for i = #newest, 1, -1 do
          local entry = newest[i]
          local ms = tonumber(string.match(entry[1], '^(%d+)'))
          local fields = entry[2]
          local offset = tonumber(fields[2])
          if i == #newest and (offset ~= after + 1 or ms < oldest) then return {'expired', epoch, last, {}} end
          out[#out + 1] = fields[2]
          out[#out + 1] = fields[4]
        end
        return {'ok', epoch, last, out}
        """);
}
