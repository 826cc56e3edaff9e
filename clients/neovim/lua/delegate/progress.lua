--- What the server is doing, told through vim.notify: `$/progress` (indexing and every
--- task's own progress bar) and `delegate/taskChanged` (the end of a task: its failure
--- with the next step, or its proposal ready for review).
---
--- Progress reports are throttled per progress token (`notify.throttle_ms`); a begin and
--- an end always show. When fidget.nvim is loaded it shows `$/progress` itself, so only
--- the final notices are sent. Every notice is also kept in `M.history`
--- (the last 200, numbered), which the end-to-end tests read.
local notices = require('delegate.notices')
local tasks = require('delegate.tasks')

local M = {}

---@type {seq: integer, time: integer, level: integer, message: string}[]
M.history = {}
local seq = 0

local last_report = {} ---@type table<string, integer>
local titles = {} ---@type table<string, string>
local announced = {} ---@type table<string, boolean>
local percentages = {} ---@type table<string, integer>

--- "indexing 40%" while an index progress runs, for the statusline.
---@return string|nil
function M.indexing()
  for token, title in pairs(titles) do
    if title:find('indexing', 1, true) then
      local pct = percentages[token]
      return pct and string.format('indexing %d%%', pct) or 'indexing'
    end
  end
  return nil
end

---@param message string
---@param level integer|nil
---@param id string|nil a key to replace an earlier notice (used by notification plugins)
function M.notify(message, level, id)
  level = level or vim.log.levels.INFO
  seq = seq + 1
  table.insert(M.history, { seq = seq, time = vim.uv.now(), level = level, message = message })
  if #M.history > 200 then
    table.remove(M.history, 1)
  end
  vim.notify(message, level, { title = 'Delegate', id = id, replace = id })
end

local function progress_wanted()
  return require('delegate.config').get().notify.progress and not package.loaded['fidget']
end

--- One `$/progress` of the Delegate client (from the LspProgress autocmd).
---@param params {token: integer|string, value: table}
function M.on_progress(params)
  local value = params.value or {}
  local token = tostring(params.token)
  if value.kind == 'begin' then
    titles[token] = value.title
  end
  local title = titles[token]
  percentages[token] = value.percentage or percentages[token]
  if value.kind == 'end' then
    percentages[token] = nil
    titles[token] = nil
    last_report[token] = nil
  end
  if value.kind ~= 'report' then
    vim.schedule(function() vim.cmd('redrawstatus!') end) -- status() changed
  end
  if not progress_wanted() then
    return
  end
  local now = vim.uv.now()
  if value.kind == 'report' then
    local throttle = require('delegate.config').get().notify.throttle_ms
    if last_report[token] and now - last_report[token] < throttle then
      return
    end
  end
  last_report[token] = now
  M.notify(notices.progress(title, value), vim.log.levels.INFO, 'delegate-progress-' .. token)
end

--- Files and hunks of a proposal, from the notification's `proposal` field when the
--- server sends it, else from `delegate/proposals`.
---@param client vim.lsp.Client|nil
---@param params table
---@param done fun(hunks: integer, files: integer, summary: string|nil)
local function proposal_size(client, params, done)
  local given = params.proposal
  if type(given) == 'table' and given.hunks then
    return done(given.hunks, given.files or 1, nil)
  end
  if not client then
    return
  end
  require('delegate.client').request(client, 'delegate/proposals', {}, function(result)
    for _, entry in ipairs((result or {}).proposals or {}) do
      if entry.taskId == params.taskId then
        return done(entry.openHunks or 0, #(entry.paths or {}), notices.first_line(entry.summary))
      end
    end
  end)
end

--- Whether a notification says a proposal version has just been made (and not told yet).
---@param params table
---@return string|nil key the task and version, to tell it once
local function new_proposal(params)
  local version = params.proposalVersion or (type(params.proposal) == 'table' and params.proposal.version)
  if not version then
    return nil
  end
  local key = string.format('%s@%s', params.taskId, version)
  if announced[key] then
    return nil
  end
  local states = params.hunkStates
  if type(states) == 'table' then
    -- a decision on an older proposal (seen after a restart) is not "ready"
    for _, state in ipairs({ 'applied', 'rejected', 'accepted' }) do
      if (states[state] or 0) > 0 then
        announced[key] = true
        return nil
      end
    end
  end
  return key
end

--- `delegate/taskChanged`: the task list, the statusline, and the final notices.
---@param params table
---@param client vim.lsp.Client|nil
function M.on_task_changed(params, client)
  if type(params) ~= 'table' or not params.taskId then
    return
  end
  local known = tasks.get(params.taskId)
  local state_before = known and known.state
  tasks.update(params)
  vim.schedule(function() vim.cmd('redrawstatus!') end) -- status() changed
  local key = new_proposal(params)
  if key then
    announced[key] = true
    proposal_size(client, params, function(hunks, files, summary)
      if hunks > 0 then
        M.notify(notices.ready(hunks, files, summary), vim.log.levels.INFO)
      end
      require('delegate.review').proposal_changed(params.taskId)
    end)
  elseif params.proposalVersion then
    require('delegate.review').proposal_changed(params.taskId)
  end
  local finished = params.state == 'failed' or params.state == 'cancelled'
  if finished and state_before ~= params.state then
    if params.state == 'failed' then
      M.notify(notices.failure(params), vim.log.levels.ERROR)
    else
      M.notify('Delegate: task cancelled', vim.log.levels.INFO)
    end
  end
end

return M
