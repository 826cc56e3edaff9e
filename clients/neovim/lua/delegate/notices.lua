--- The words of Delegate's notices, as pure functions of the server's notifications.
---
--- A finished task says what happened and what to do next: "no API key — :Delegate key",
--- "3 hunks in 2 files — :Delegate review". The server's final `delegate/taskChanged`
--- carries `errorKind` and `proposal` (the client contract); older servers send only
--- `message`, so the kind is then read from the message's words.
local M = {}

--- The kinds of failure the server names, with the next step for each.
M.NEXT_STEP = {
  no_api_key = ':Delegate key',
  model_unreachable = 'check api.baseUrl and the network, :Delegate log',
  budget = 'raise the budget in the settings, or :Delegate revise',
  interrupted = 'the server stopped while it ran; start it again',
  tests = ':Delegate review to see the change, :Delegate revise to retry',
  internal = ':Delegate log',
}

local GUESSES = {
  { 'no api key', 'no_api_key' },
  { 'rejected the api key', 'no_api_key' },
  { 'unavailable', 'model_unreachable' },
  { 'timed out', 'model_unreachable' },
  { 'connection', 'model_unreachable' },
  { 'unreachable', 'model_unreachable' },
  { 'budget', 'budget' },
  { 'limit reached', 'budget' },
  { 'interrupted', 'interrupted' },
  { 'tests fail', 'tests' },
}

--- The failure kind of a final `taskChanged`: its `errorKind`, else a guess from `message`.
---@param params table
---@return string
function M.error_kind(params)
  if type(params.errorKind) == 'string' and M.NEXT_STEP[params.errorKind] then
    return params.errorKind
  end
  local message = tostring(params.message or ''):lower()
  for _, guess in ipairs(GUESSES) do
    if message:find(guess[1], 1, true) then
      return guess[2]
    end
  end
  return 'internal'
end

--- The server's message without its "Failed: " prefix and final full stop.
---@param message any
---@return string
function M.cause(message)
  local text = vim.trim(tostring(message or ''))
  text = text:gsub('^[Ff]ailed:%s*', '')
  return (text:gsub('%.$', ''))
end

local function plural(n, word)
  return string.format('%d %s%s', n, word, n == 1 and '' or 's')
end

--- "Delegate: no API key — :Delegate key" and the like.
---@param params table a final `delegate/taskChanged` with state "failed"
---@return string
function M.failure(params)
  local kind = M.error_kind(params)
  local cause = M.cause(params.message)
  local head
  if kind == 'no_api_key' then
    head = 'no API key'
  elseif kind == 'model_unreachable' then
    head = 'model unreachable' .. (cause ~= '' and (' (' .. cause .. ')') or '')
  else
    head = cause ~= '' and cause or 'the task failed'
  end
  return string.format('Delegate: %s — %s', head, M.NEXT_STEP[kind])
end

--- "Delegate: 3 hunks in 2 files — :Delegate review".
---@param hunks integer
---@param files integer
---@param summary string|nil the first line of the proposal's summary
---@return string
function M.ready(hunks, files, summary)
  local text = string.format('Delegate: %s in %s — :Delegate review', plural(hunks, 'hunk'), plural(files, 'file'))
  if summary and summary ~= '' then
    text = text .. '\n' .. summary
  end
  return text
end

--- A `$/progress` value as one line: "Indexing app: 40% — 120/300 files".
---@param title string|nil
---@param value table the `value` of `$/progress` (begin/report/end)
---@return string
function M.progress(title, value)
  local parts = { title or value.title or 'Delegate' }
  if value.percentage and value.kind ~= 'end' then
    parts[1] = parts[1] .. string.format(': %d%%', value.percentage)
  end
  local line = parts[1]
  if value.message and value.message ~= '' then
    line = line .. ' — ' .. value.message
  end
  return line
end

--- The first non-empty line of a summary.
---@param summary any
---@return string
function M.first_line(summary)
  for line in tostring(summary or ''):gmatch('[^\n]+') do
    if vim.trim(line) ~= '' then
      return vim.trim(line)
    end
  end
  return ''
end

return M
