// The Lua scripts behind RedisPresence: the rules of PresenceRoster (presence-roster.ts) run
// atomically in Redis, each change published in the same step through the hub's own publish
// (redis-scripts.ts), so a change and its event can never be seen apart, by any process.
//
// Keys, under the hub's prefix P: `P presence:conn:<room>` (hash connection → member id),
// `P presence:refs:<room>` (member id → connection count), `P presence:member:<room>`
// (member id → member JSON), `P presence:leave:<room>` (member id → encoded leave event) and
// one sorted set `P presence:deadlines` of `<room byte length>:<room><connection>` scored by
// the expiry in ms, and `L<room byte length>:<room><member id>` for a member lingering
// (its last connection gone, `leaveDelayMs` not yet over; its refs count is 0). Keys are built inside the scripts from P (the sweep only learns the
// rooms there), so on Redis Cluster give the hub a prefix with a hash tag, e.g. `{sb}:`.
import { PRELUDE } from '../redis-scripts.js';

// ARGV[1..6], the same for every script: hub prefix, presence channel prefix, candidate
// epoch, now (ms), maxHistory, maxHistoryAgeMs.
const PRESENCE_PRELUDE = `${PRELUDE}
local P = ARGV[1]
local CHANNEL_PREFIX = ARGV[2]
local DEADLINES = P .. 'presence:deadlines'

local function room_key(kind, room)
  return P .. 'presence:' .. kind .. ':' .. room
end

local function entry_of(room, connection)
  return string.len(room) .. ':' .. room .. connection
end

local function announce(room, body)
  local channel = CHANNEL_PREFIX .. room
  return publish_message(P .. 'epoch', P .. 'offset:' .. channel, P .. 'stream:' .. channel, ARGV[3], ARGV[4], ARGV[5], ARGV[6], body, P .. 'live:' .. channel)
end

local function remove_member(room, id)
  redis.call('HDEL', room_key('refs', room), id)
  redis.call('HDEL', room_key('member', room), id)
  local body = redis.call('HGET', room_key('leave', room), id)
  redis.call('HDEL', room_key('leave', room), id)
  announce(room, body)
end

-- Removes a connection. When it was its member's last, the member leaves now (announced),
-- or with 'linger_until' (ms) stays with a refs count of 0 until the sweep passes that
-- time. Returns 'absent', 'removed', 'lingering' or 'left'.
local function remove_connection(room, connection, linger_until)
  local conn = room_key('conn', room)
  local id = redis.call('HGET', conn, connection)
  redis.call('ZREM', DEADLINES, entry_of(room, connection))
  if not id then return 'absent' end
  redis.call('HDEL', conn, connection)
  if redis.call('HINCRBY', room_key('refs', room), id, -1) > 0 then return 'removed' end
  if linger_until then
    redis.call('ZADD', DEADLINES, linger_until, 'L' .. entry_of(room, id))
    return 'lingering'
  end
  remove_member(room, id)
  return 'left'
end

-- Removes up to 'limit' connections whose deadline passed, announcing each last one out.
local function sweep(limit)
  local expired = redis.call('ZRANGEBYSCORE', DEADLINES, '-inf', '(' .. ARGV[4], 'LIMIT', 0, limit)
  local left = 0
  for _, entry in ipairs(expired) do
    redis.call('ZREM', DEADLINES, entry)
    local linger, length, rest = string.match(entry, '^(L?)(%d+):(.*)$')
    if length then
      local room = string.sub(rest, 1, tonumber(length))
      local name = string.sub(rest, tonumber(length) + 1)
      if linger == '' then
        -- Its process stopped refreshing it: no linger, the TTL was the grace already.
        if remove_connection(room, name, nil) == 'left' then left = left + 1 end
      elseif redis.call('HGET', room_key('refs', room), name) == '0' then
        remove_member(room, name)
        left = left + 1
      end
    end
  end
  return { #expired, left }
end
`;

/**
 * ARGV 7..: room, connection, member id, member JSON, join body, update body, leave body,
 * expiry (ms), maxMembersPerRoom, maxConnectionsPerMember.
 * Returns { 'conflict', other member id } | { 'full' } | { 'too-many-connections' } | { 'ok' }.
 */
export const JOIN_SCRIPT = `${PRESENCE_PRELUDE}
local room, connection, id, json = ARGV[7], ARGV[8], ARGV[9], ARGV[10]
local conn = room_key('conn', room)
local refs = room_key('refs', room)
local current = redis.call('HGET', conn, connection)
if current and current ~= id then return { 'conflict', current } end
local refs_text = redis.call('HGET', refs, id)
local count = tonumber(refs_text or '0')
if not refs_text then
  if redis.call('HLEN', refs) >= tonumber(ARGV[15]) then return { 'full' } end
elseif not current and count >= tonumber(ARGV[16]) then
  return { 'too-many-connections' }
end
redis.call('ZADD', DEADLINES, ARGV[14], entry_of(room, connection))
if not current then
  redis.call('HSET', conn, connection, id)
  redis.call('HINCRBY', refs, id, 1)
end
-- Back before its linger ran out: it never left.
if count == 0 then redis.call('ZREM', DEADLINES, 'L' .. entry_of(room, id)) end
local body
if not refs_text then
  body = ARGV[11]
elseif redis.call('HGET', room_key('member', room), id) ~= json then
  body = ARGV[12]
else
  return { 'ok' }
end
redis.call('HSET', room_key('member', room), id, json)
redis.call('HSET', room_key('leave', room), id, ARGV[13])
announce(room, body)
return { 'ok' }
`;

/** ARGV 7..: room, connection, linger until (ms; '' for none). Returns 'absent', 'removed', 'lingering' or 'left'. */
export const LEAVE_SCRIPT = `${PRESENCE_PRELUDE}
local linger_until = nil
if ARGV[9] ~= '' then linger_until = ARGV[9] end
return remove_connection(ARGV[7], ARGV[8], linger_until)
`;

/**
 * ARGV 7..: expiry (ms), then deadline entries. Pushes the deadline of each entry still
 * held; returns the 1-based indices of those that are gone (swept while this process was
 * stalled), which the caller joins again.
 */
export const REFRESH_SCRIPT = `${PRESENCE_PRELUDE}
local missing = {}
for i = 8, #ARGV do
  if redis.call('ZSCORE', DEADLINES, ARGV[i]) then
    redis.call('ZADD', DEADLINES, ARGV[7], ARGV[i])
  else
    missing[#missing + 1] = i - 7
  end
end
return missing
`;

/** ARGV 7: most entries to look at. Returns { expired entries seen, members announced as left }. */
export const SWEEP_SCRIPT = `${PRESENCE_PRELUDE}
return sweep(tonumber(ARGV[7]))
`;

/**
 * ARGV 7..: room, sweep limit. Sweeps first, so no expired member is listed, then reads
 * the epoch, the presence channel's head offset and the member JSONs at one instant.
 * Returns { epoch, head offset, { member JSON, ... } }.
 */
export const MEMBERS_SCRIPT = `${PRESENCE_PRELUDE}
sweep(tonumber(ARGV[8]))
local room = ARGV[7]
local channel = CHANNEL_PREFIX .. room
local epoch = get_epoch(P .. 'epoch', ARGV[3])
local head = string.format('%d', tonumber(redis.call('GET', P .. 'offset:' .. channel) or '0'))
return { epoch, head, redis.call('HVALS', room_key('member', room)) }
`;
