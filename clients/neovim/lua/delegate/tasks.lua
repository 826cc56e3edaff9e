--- Tasks as the plugin knows them, and the `:Delegate tasks` / `:Delegate cancel` flows.
---
--- The records come from `delegate/taskChanged` (kept here as they arrive, for the
--- statusline) and, when the user asks, from `delegate/tasks` (the server's full list).
local M = {}

---@class delegate.Task
---@field taskId string
---@field state string queued|running|succeeded|failed|cancelled
---@field phase string|nil
---@field message string|nil
---@field costUsd number|nil
---@field instruction string|nil
---@field folder string|nil

---@type table<string, delegate.Task>
local known = {}

M.ACTIVE = { queued = true, running = true }

---@param params table a `delegate/taskChanged` or `delegate/tasks` entry
function M.update(params)
  local task = known[params.taskId] or {}
  for k, v in pairs(params) do
    if v ~= vim.NIL then
      task[k] = v
    end
  end
  known[params.taskId] = task
end

---@param task_id string
---@return delegate.Task|nil
function M.get(task_id)
  return known[task_id]
end

--- Known tasks that are queued or running, oldest first.
---@return delegate.Task[]
function M.active()
  local found = {}
  for _, task in pairs(known) do
    if M.ACTIVE[task.state] then
      table.insert(found, task)
    end
  end
  table.sort(found, function(a, b) return a.taskId < b.taskId end)
  return found
end

--- Hunks still open in the proposals the server announced (`openHunks` of taskChanged).
---@return integer
function M.open_hunks()
  local total = 0
  for _, task in pairs(known) do
    if type(task.openHunks) == 'number' then
      total = total + task.openHunks
    end
  end
  return total
end

--- Every known task id, sorted.
---@return string[]
function M.ids()
  local ids = vim.tbl_keys(known)
  table.sort(ids)
  return ids
end

--- One line for a task in a picker: "running · testing  add retries (20261121-150501-a1b2c3)".
---@param task delegate.Task
---@return string
function M.label(task)
  local what = task.instruction or task.message or ''
  what = what:gsub('\n.*', '')
  local state = task.state or '?'
  if task.phase and task.state == 'running' then
    state = state .. ' · ' .. task.phase
  end
  return string.format('%-22s %s (%s)', state, what, task.taskId)
end

--- Fetch the server's task list, newest first.
---@param client vim.lsp.Client
---@param done fun(tasks: delegate.Task[])
function M.fetch(client, done)
  require('delegate.client').request(client, 'delegate/tasks', {}, function(result)
    local list = (result or {}).tasks or {}
    for _, task in ipairs(list) do
      M.update(task)
    end
    table.sort(list, function(a, b) return (a.createdAt or 0) > (b.createdAt or 0) end)
    done(list)
  end)
end

--- Cancel `task_id`, or pick one of the running tasks (the only one without asking).
---@param client vim.lsp.Client
---@param task_id string|nil
function M.cancel(client, task_id)
  local function cancel(id)
    require('delegate.client').execute(client, 'delegate.cancel', { taskId = id }, function(result)
      local done = result and result.cancelled
      require('delegate.progress').notify(
        done and ('Delegate: cancelling ' .. id) or ('Delegate: ' .. id .. ' is not running'),
        done and vim.log.levels.INFO or vim.log.levels.WARN
      )
    end)
  end
  if task_id and task_id ~= '' then
    return cancel(task_id)
  end
  M.fetch(client, function(list)
    local running = vim.tbl_filter(function(t) return M.ACTIVE[t.state] end, list)
    if #running == 0 then
      require('delegate.progress').notify('Delegate: no task is running', vim.log.levels.INFO)
    elseif #running == 1 then
      cancel(running[1].taskId)
    else
      vim.ui.select(running, { prompt = 'Cancel which task?', format_item = M.label }, function(task)
        if task then
          cancel(task.taskId)
        end
      end)
    end
  end)
end

--- The trace of a task: `<folder>/.delegate/runs/<id>/trace.jsonl`.
---@param task delegate.Task
---@return string|nil
function M.trace_path(task)
  if not task.folder then
    return nil
  end
  return vim.uri_to_fname(task.folder) .. '/.delegate/runs/' .. task.taskId .. '/trace.jsonl'
end

--- `:Delegate tasks`: pick a task, then what to do with it.
---@param client vim.lsp.Client
function M.pick(client)
  M.fetch(client, function(list)
    if #list == 0 then
      return require('delegate.progress').notify('Delegate: no tasks yet — :Delegate {what to do}')
    end
    vim.ui.select(list, { prompt = 'Delegate tasks', format_item = M.label }, function(task)
      if not task then
        return
      end
      local actions = { 'review', 'revise', 'open trace' }
      if M.ACTIVE[task.state] then
        actions = { 'cancel', 'open trace' }
      end
      vim.ui.select(actions, { prompt = task.taskId }, function(action)
        if action == 'review' then
          require('delegate.review').open(client, task.taskId)
        elseif action == 'revise' then
          require('delegate.review').revise(client, task.taskId)
        elseif action == 'cancel' then
          M.cancel(client, task.taskId)
        elseif action == 'open trace' then
          local path = M.trace_path(task)
          if path and vim.uv.fs_stat(path) then
            vim.cmd('split ' .. vim.fn.fnameescape(path))
            vim.bo.readonly = true
          else
            require('delegate.progress').notify('Delegate: no trace for ' .. task.taskId, vim.log.levels.WARN)
          end
        end
      end)
    end)
  end)
end

return M
