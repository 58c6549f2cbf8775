// The Lua scripts behind the Redis hub. Each runs atomically inside Redis, which is what
// makes every process agree on ids and order: publish takes the next offset, stores the
// message and fans it out in one step; subscribe reads the epoch, the head and the replay
// in one step. Needs Redis >= 6.2 (XTRIM MINID, exclusive XRANGE bounds).
import { createHash } from 'node:crypto';
import type { RedisCommander } from './redis-client.js';

// Shared by both scripts. Reads the epoch, creating it (SET, inside the atomic script, so
// effectively NX) when Redis has none: a fresh or wiped Redis. Then drops messages older
// than the cutoff. The stream is in publish order, so the old ones are a prefix; each is
// looked at once before it goes, so this costs O(1) amortised per message.
export const PRELUDE = `
local function get_epoch(key, candidate)
  local epoch = redis.call('GET', key)
  if not epoch then
    epoch = candidate
    redis.call('SET', key, epoch)
  end
  return epoch
end

local function offset_of(id)
  return tonumber(string.match(id, '^(%d+)-'))
end

local function trim_by_age(stream, cutoff)
  local start = '-'
  local first
  while true do
    first = redis.call('XRANGE', stream, start, '+', 'COUNT', 1)
    -- Entries are stored as t <publishedAt> b <body>, so field 2 is the time.
    if #first == 0 or tonumber(first[1][2][2]) >= cutoff then break end
    start = '(' .. first[1][1]
  end
  if start == '-' then return end
  if #first == 0 then
    redis.call('DEL', stream)
  else
    redis.call('XTRIM', stream, 'MINID', first[1][1])
  end
end

-- The publish step, also run by the presence scripts (presence/redis-presence-scripts.ts)
-- so that their events take ids in the same sequence as every other message.
local function publish_message(epoch_key, offset_key, stream_key, candidate, now_text, max_history, max_age_text, body, live_channel)
  local epoch = get_epoch(epoch_key, candidate)
  local offset_text = string.format('%d', redis.call('INCR', offset_key))
  if max_history ~= '0' then
    redis.call('XADD', stream_key, 'MAXLEN', max_history, offset_text .. '-0', 't', now_text, 'b', body)
    trim_by_age(stream_key, tonumber(now_text) - tonumber(max_age_text))
    -- Nothing in the stream outlives the age limit, so an idle channel's history frees itself.
    redis.call('PEXPIRE', stream_key, max_age_text)
  end
  redis.call('PUBLISH', live_channel, epoch .. ' ' .. offset_text .. ' ' .. now_text .. ' ' .. body)
  return { epoch, offset_text }
end
`;

/**
 * KEYS: epoch, offset counter, stream. ARGV: candidate epoch, publishedAt (ms), maxHistory,
 * maxHistoryAgeMs, body, Pub/Sub channel. Returns { epoch, offset }.
 * The explicit stream id `<offset>-0` makes XADD fail rather than store a message under an
 * offset the stream already went past (a counter lost while its stream survived).
 */
export const PUBLISH_SCRIPT = `${PRELUDE}
return publish_message(KEYS[1], KEYS[2], KEYS[3], ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6])
`;

/**
 * KEYS: epoch, offset counter, stream. ARGV: candidate epoch, cutoff (ms; older messages
 * are expired), mode ('live' | 'since' | 'bad-id'), since epoch, since offset.
 * Returns { epoch, lastOffset, gapReason ('' for none), entries } where entries is the
 * replay: after `since` when it is usable, otherwise everything held.
 */
export const SUBSCRIBE_SCRIPT = `${PRELUDE}
local epoch = get_epoch(KEYS[1], ARGV[1])
local last = tonumber(redis.call('GET', KEYS[2]) or '0')
trim_by_age(KEYS[3], tonumber(ARGV[2]))
local mode = ARGV[3]
local last_text = string.format('%d', last)
if mode == 'live' then return { epoch, last_text, '', {} } end
local oldest = redis.call('XRANGE', KEYS[3], '-', '+', 'COUNT', 1)
local first = last + 1
if #oldest > 0 then first = offset_of(oldest[1][1]) end
local since = tonumber(ARGV[5])
local reason = ''
if mode == 'bad-id' then reason = 'unknown-id'
elseif ARGV[4] ~= epoch then reason = 'epoch-changed'
elseif since > last then reason = 'unknown-id'
elseif since < first - 1 then reason = 'expired'
end
local from = '-'
if reason == '' then
  if since == last then return { epoch, last_text, '', {} } end
  from = '(' .. string.format('%d', since) .. '-0'
end
return { epoch, last_text, reason, redis.call('XRANGE', KEYS[3], from, '+') }
`;

/** A script with its SHA1, so it is sent in full only when Redis does not have it cached. */
export interface LuaScript {
  readonly source: string;
  readonly sha1: string;
}

export function luaScript(source: string): LuaScript {
  return { source, sha1: createHash('sha1').update(source).digest('hex') };
}

/**
 * EVALSHA, falling back to EVAL when Redis lost its script cache (a restart or SCRIPT
 * FLUSH); EVAL caches the script again for the next call.
 */
export async function runScript(
  commander: RedisCommander,
  script: LuaScript,
  keys: readonly string[],
  args: readonly string[],
): Promise<unknown> {
  const tail = [String(keys.length), ...keys, ...args];
  try {
    return await commander.sendCommand(['EVALSHA', script.sha1, ...tail]);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.includes('NOSCRIPT')) throw error;
    return commander.sendCommand(['EVAL', script.source, ...tail]);
  }
}
