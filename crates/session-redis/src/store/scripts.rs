//! The Lua scripts the store runs on the server, each loaded once: every write and every delete
//! compares generations in Redis, and the login lock is taken, extended and released atomically.

use std::sync::LazyLock;

use redis::Script;

/// Writes a record for the holder of a fencing generation.
///
/// `KEYS[1]`: the record key, `KEYS[2]`: the account's fence counter. `ARGV`: the record's
/// generation (decimal), value, key TTL in ms (`0`: none), the writer's fencing generation.
/// Returns 1 when written, 0 when refused: the fence is not the newest generation issued (another
/// process took the lock since), or the stored record is newer. Generations are compared as
/// decimal strings, so the full `u64` range is exact (Lua numbers are doubles).
const SAVE_LUA: &str = r"
local function older(a, b)
  if #a ~= #b then return #a < #b end
  return a < b
end
if redis.call('GET', KEYS[2]) ~= ARGV[4] then
  return 0
end
local current = redis.call('HGET', KEYS[1], 'g')
if current and older(ARGV[1], current) then
  return 0
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'g', ARGV[1], 'v', ARGV[2])
local ttl = tonumber(ARGV[3])
if ttl > 0 then
  redis.call('PEXPIRE', KEYS[1], ttl)
end
return 1
";

/// Reads a record without sending a value larger than `ARGV[1]` bytes. `KEYS[1]`: the record key.
/// Returns `{g, v}`, `{g}` when the value is too large, or an empty array when there is no
/// complete record.
const LOAD_LUA: &str = r"
local g = redis.call('HGET', KEYS[1], 'g')
if not g or redis.call('HEXISTS', KEYS[1], 'v') == 0 then
  return {}
end
if redis.call('HSTRLEN', KEYS[1], 'v') > tonumber(ARGV[1]) then
  return {g}
end
return {g, redis.call('HGET', KEYS[1], 'v')}
";

/// Deletes a record if its generation is the given one (any generation when `ARGV[1]` is empty).
/// Returns 1 when deleted.
const DELETE_LUA: &str = r"
if ARGV[1] == '' or redis.call('HGET', KEYS[1], 'g') == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

/// Takes the login lock and issues its fencing generation in one step. `KEYS[1]`: the lock,
/// `KEYS[2]`: the fence counter; `ARGV`: the holder's random token, the TTL in ms. The lock holds
/// `<generation> <token>`. Returns the generation (decimal), or nil while another holder has the
/// lock. An attempt repeated after a dropped connection (whose first try may have landed) finds
/// its own token and gets the same generation back.
const ACQUIRE_LUA: &str = r"
local held = redis.call('GET', KEYS[1])
if held then
  local sep = string.find(held, ' ', 1, true)
  if sep and string.sub(held, sep + 1) == ARGV[1] then
    return string.sub(held, 1, sep - 1)
  end
  return false
end
redis.call('INCR', KEYS[2])
local generation = redis.call('GET', KEYS[2])
redis.call('SET', KEYS[1], generation .. ' ' .. ARGV[1], 'PX', ARGV[2])
return generation
";

/// Extends the login lock to `ARGV[2]` ms if it still holds `ARGV[1]` (this holder's value).
/// Returns 1 when extended, 0 when the lock was lost.
const EXTEND_LUA: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
";

/// Releases the login lock only if it still holds this holder's value (compare-and-delete), so a
/// holder whose lock expired cannot release the next holder's lock.
const RELEASE_LUA: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

pub(super) static LOAD: LazyLock<Script> = LazyLock::new(|| Script::new(LOAD_LUA));
pub(super) static SAVE: LazyLock<Script> = LazyLock::new(|| Script::new(SAVE_LUA));
pub(super) static DELETE: LazyLock<Script> = LazyLock::new(|| Script::new(DELETE_LUA));
pub(super) static ACQUIRE: LazyLock<Script> = LazyLock::new(|| Script::new(ACQUIRE_LUA));
pub(super) static EXTEND: LazyLock<Script> = LazyLock::new(|| Script::new(EXTEND_LUA));
pub(super) static RELEASE: LazyLock<Script> = LazyLock::new(|| Script::new(RELEASE_LUA));
