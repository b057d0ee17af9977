-- Buy, cancel, buy, cancel... (after buy_cancel_state.lua).
local turn = 0
function request()
  local first = primer()
  if first then
    return first
  end
  turn = turn + 1
  return buy_or_cancel(turn % 2 == 0)
end
