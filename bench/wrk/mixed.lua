-- 20 slots: 10 searches (GB, US, FR, DE in turn), 4 lists, 3 buys, 3 cancels
-- (after buy_cancel_state.lua).
local plan = {"s", "s", "l", "b", "s", "c", "s", "s", "l", "b",
              "s", "c", "s", "l", "s", "b", "s", "c", "l", "s"}
local countries = {"GB", "US", "FR", "DE"}
local get = {["Authorization"] = auth}
local step, searches = 0, 0
function request()
  local first = primer()
  if first then
    return first
  end
  step = step + 1
  local op = plan[(step - 1) % #plan + 1]
  if op == "s" then
    searches = searches + 1
    local country = countries[(searches - 1) % #countries + 1]
    return wrk.format("GET", "/number/search?country=" .. country .. "&size=10", get)
  elseif op == "l" then
    return wrk.format("GET", "/account/numbers", get)
  end
  return buy_or_cancel(op == "c")
end
