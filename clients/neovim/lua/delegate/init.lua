--- Delegate for Neovim: hand a coding task to Delegate's background agent and review what
--- comes back hunk by hunk. `:help delegate`.
---
--- Nothing here needs `setup()`: the plugin works with the defaults once
--- `vim.lsp.enable("delegate")` has started the server. `setup(opts)` changes options.
local M = {}

--- Change the plugin's options (`:help delegate-options`). Each bad option is reported by
--- name and keeps its default.
---@param opts delegate.Options|table|nil
---@return boolean ok false when an option was rejected
function M.setup(opts)
  local config = require('delegate.config')
  local problems = config.set(opts)
  for _, problem in ipairs(problems) do
    vim.notify('Delegate: setup(): ' .. problem, vim.log.levels.ERROR, { title = 'Delegate' })
  end
  local options = config.get()
  if options.cmd then
    vim.lsp.config('delegate', { cmd = options.cmd })
  end
  return #problems == 0
end

--- The statusline text: what the server is doing and what waits for review, or "" when
--- no Delegate server runs. E.g. "Delegate: 1 running (testing) · 3 hunks to review".
---@return string
function M.status()
  local client = require('delegate.client').get(vim.api.nvim_get_current_buf())
  if not client then
    return ''
  end
  local tasks = require('delegate.tasks')
  local parts = {}
  local active = tasks.active()
  if #active > 0 then
    local phase = active[1].phase or active[1].state
    table.insert(parts, string.format('%d running (%s)', #active, phase))
  end
  local hunks = tasks.open_hunks()
  if hunks > 0 then
    table.insert(parts, string.format('%d hunk%s to review', hunks, hunks == 1 and '' or 's'))
  end
  local indexing = require('delegate.progress').indexing()
  if indexing then
    table.insert(parts, indexing)
  end
  if #parts == 0 then
    return 'Delegate'
  end
  return 'Delegate: ' .. table.concat(parts, ' · ')
end

local attached = {} ---@type table<integer, boolean>
local counted = {} ---@type table<integer, boolean>

--- Learn the open hunks of proposals made before this Neovim started (for `status()`).
local function count_open_hunks(client)
  if counted[client.id] then
    return
  end
  counted[client.id] = true
  require('delegate.client').when_ready(client, function()
    client:request('delegate/proposals', {}, function(err, result)
      for _, proposal in ipairs(not err and result and result.proposals or {}) do
        require('delegate.tasks').update({ taskId = proposal.taskId, openHunks = proposal.openHunks })
      end
      vim.cmd.redrawstatus({ bang = true })
    end)
  end)
end

--- Called on LspAttach of the Delegate client: keep code lenses asked for in `bufnr`.
---@param bufnr integer
---@param client_id integer
function M.attach(bufnr, client_id)
  local client = vim.lsp.get_client_by_id(client_id)
  if client then
    count_open_hunks(client)
  end
  if attached[bufnr] or not require('delegate.config').get().codelens then
    return
  end
  attached[bufnr] = true
  local group = vim.api.nvim_create_augroup('delegate.codelens.' .. bufnr, { clear = true })
  vim.api.nvim_create_autocmd({ 'BufEnter', 'InsertLeave', 'CursorHold', 'BufWritePost' }, {
    group = group,
    buffer = bufnr,
    callback = function()
      if vim.lsp.get_client_by_id(client_id) then
        vim.lsp.codelens.refresh({ bufnr = bufnr })
      end
    end,
  })
  vim.api.nvim_create_autocmd('BufWipeout', {
    group = group,
    buffer = bufnr,
    callback = function()
      attached[bufnr] = nil
      pcall(vim.api.nvim_del_augroup_by_id, group)
    end,
  })
  vim.lsp.codelens.refresh({ bufnr = bufnr })
end

--- Start a task from Lua: `require("delegate").task("add retries to fetch()")`.
---@param text string|nil asked for when nil
---@param range {[1]: integer, [2]: integer}|nil 1-based first and last line of the focus
function M.task(text, range)
  local args = { args = text or '', range = range and 2 or 0 }
  if range then
    args.line1, args.line2 = range[1], range[2]
  end
  require('delegate.commands').run(args)
end

--- Open the review of `task_id` (or of the only proposal waiting).
---@param task_id string|nil
function M.review(task_id)
  local client = require('delegate.client').require(vim.api.nvim_get_current_buf())
  if client then
    require('delegate.review').open(client, task_id)
  end
end

return M
