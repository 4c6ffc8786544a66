import { createHash } from "node:crypto";

/**
 * Checks every limit that applies to one call and, only if all of them have room, counts
 * the call against all of them: one atomic round trip, so concurrent calls through any
 * number of gateway replicas can never overshoot a limit, and a refused call consumes
 * nothing.
 *
 * KEYS[i]: the counter of limit i.
 * ARGV[1]: a member unique to this call (sliding windows store one entry per call).
 * ARGV[1 + 3i - 2 .. 1 + 3i] for limit i: mode (`s` sliding window, `d` daily quota),
 *   window in ms, max.
 *
 * Returns `{1}` when the call may proceed, or `{0, i, retryAfterMs}` naming the limit
 * that must wait longest and how long until it has room.
 *
 * Time comes from Redis (`TIME`), never from the gateways, so replicas with skewed
 * clocks still share one window. Sliding windows are sorted sets of calls scored by
 * time (exact: at most `max` calls in any window-long span); daily quotas are integers
 * that expire at the next 00:00 UTC. Every key carries a TTL, so idle counters vanish.
 */
export const CHECK_LIMITS_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local member = ARGV[1]
local worst, worstRetry = 0, -1
for i = 1, #KEYS do
  local key = KEYS[i]
  local mode = ARGV[i * 3 - 1]
  local window = tonumber(ARGV[i * 3])
  local max = tonumber(ARGV[i * 3 + 1])
  local retry = -1
  if mode == 's' then
    redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
    local count = redis.call('ZCARD', key)
    if count >= max then
      -- Room appears when the (count - max + 1)-th oldest call leaves the window.
      local entry = redis.call('ZRANGE', key, count - max, count - max, 'WITHSCORES')
      retry = tonumber(entry[2]) + window - now
    end
  else
    local count = tonumber(redis.call('GET', key) or '0')
    if count >= max then
      retry = redis.call('PTTL', key)
      if retry < 0 then retry = window - (now % window) end
    end
  end
  if retry >= 0 and retry > worstRetry then
    worst = i
    worstRetry = retry
  end
end
if worst > 0 then
  return {0, worst, math.max(1, math.ceil(worstRetry))}
end
local dayEnd = (math.floor(now / 86400000) + 1) * 86400000
for i = 1, #KEYS do
  local key = KEYS[i]
  if ARGV[i * 3 - 1] == 's' then
    redis.call('ZADD', key, now, member)
    redis.call('PEXPIRE', key, tonumber(ARGV[i * 3]) + 1000)
  else
    redis.call('INCR', key)
    redis.call('PEXPIREAT', key, dayEnd)
  end
end
return {1}
`;

export const CHECK_LIMITS_SHA = createHash("sha1").update(CHECK_LIMITS_LUA).digest("hex");
