-- Per-thread state for buys and cancels: `id` is set by setup() in each thread's Lua state.
-- bench/scenarios.py puts `auth`, `form_type`, `base`, `slice` and `lag` before this.
local threads = 0
function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end

local form = {["Authorization"] = auth, ["Content-Type"] = form_type}
local bought, cancelled = 0, 0

-- wrk calls request() once in the first thread before it connects, to check the request, and
-- never sends that one: a buy lost there would fail its cancel. So each thread's first request
-- is a harmless list.
local primed = false
local function primer()
  if primed then
    return nil
  end
  primed = true
  return wrk.format("GET", "/account/numbers?size=1", {["Authorization"] = auth})
end

local function msisdn(k)
  return string.format("%.0f", base + id * slice + (k % slice))
end

-- Buy a fresh number, or cancel the oldest one bought once more than `lag` are held: a
-- cancel goes out long after its buy was answered, whatever the connection it went on.
local function buy_or_cancel(want_cancel)
  if want_cancel and bought - cancelled > lag then
    cancelled = cancelled + 1
    return wrk.format("POST", "/number/cancel", form, "country=GB&msisdn=" .. msisdn(cancelled - 1))
  end
  bought = bought + 1
  return wrk.format("POST", "/number/buy", form, "country=GB&msisdn=" .. msisdn(bought - 1))
end
