/**
 * The Lua script of `ValkeyThrottlerStorage` (`nestjs-valkey-cache/throttler`), on its own so
 * that code without `@nestjs/throttler` (the testing kit's emulation) can import it. Imports
 * nothing from `@nestjs/throttler`.
 */
import { LuaScript } from '../cache/lua-script.js';

// KEYS[1]: hit counter of the window; KEYS[2]: block marker (its value: the hits that caused it).
// ARGV[1]: window (ttl) in ms; ARGV[2]: limit; ARGV[3]: block duration in ms (<= 0: no block, a
// request over the limit is refused and not counted until the window ends).
// Reply: { hits, window pttl ms, blocked 0|1, block pttl ms }.
/** The throttler's fixed-window counter: one atomic round trip per request. */
export const THROTTLER_INCREMENT = new LuaScript(`
local ttl = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local block = tonumber(ARGV[3])
local blockLeft = redis.call('PTTL', KEYS[2])
if blockLeft > 0 then
  return { tonumber(redis.call('GET', KEYS[2]) or '0'), blockLeft, 1, blockLeft }
end
if block <= 0 then
  local current = tonumber(redis.call('GET', KEYS[1]) or '0')
  if current >= limit then
    local left = redis.call('PTTL', KEYS[1])
    if left < 0 then left = ttl end
    return { current + 1, left, 1, left }
  end
end
local hits = redis.call('INCR', KEYS[1])
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
  redis.call('PEXPIRE', KEYS[1], ttl)
  left = ttl
end
if block > 0 and hits > limit then
  redis.call('SET', KEYS[2], hits, 'PX', block)
  redis.call('DEL', KEYS[1])
  return { hits, block, 1, block }
end
return { hits, left, 0, 0 }`);
