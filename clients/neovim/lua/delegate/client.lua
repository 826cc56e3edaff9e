--- The Delegate language client(s) of this Neovim, and requests to them.
---
--- Every feature of the plugin talks to the server through here: finding the client for a
--- buffer (or any running one), sending `workspace/executeCommand` and the custom
--- `delegate/*` requests, and telling the user when a request fails.
local M = {}

M.NAME = 'delegate'

--- The Delegate client attached to `bufnr`, else any running Delegate client.
---@param bufnr integer|nil
---@return vim.lsp.Client|nil
function M.get(bufnr)
  if bufnr then
    local attached = vim.lsp.get_clients({ name = M.NAME, bufnr = bufnr })
    if attached[1] then
      return attached[1]
    end
  end
  return vim.lsp.get_clients({ name = M.NAME })[1]
end

local ready = {} ---@type table<integer, boolean>
local waiting = {} ---@type table<integer, function[]>

--- How long to wait for the server's "ready" before sending anyway.
M.READY_TIMEOUT_MS = 10000

--- The server has read the editor's settings: it logs "Delegate ready: …" then (when its
--- log level lets that line through), and it starts indexing only after reading them. A
--- task sent before that would run with the default settings (api.baseUrl included).
---@param client_id integer
function M.mark_ready(client_id)
  if ready[client_id] then
    return
  end
  ready[client_id] = true
  for _, fn in ipairs(waiting[client_id] or {}) do
    fn()
  end
  waiting[client_id] = nil
end

--- A `window/logMessage` of the server: "Delegate ready" marks it ready.
---@param client_id integer
---@param message string|nil
function M.saw_log(client_id, message)
  if type(message) == 'string' and message:find('Delegate ready', 1, true) then
    M.mark_ready(client_id)
  end
end

--- Run `fn` once the server is ready (at once when it is, or after READY_TIMEOUT_MS).
---@param client vim.lsp.Client
---@param fn fun()
function M.when_ready(client, fn)
  if ready[client.id] then
    return fn()
  end
  local done = false
  local function once()
    if not done then
      done = true
      fn()
    end
  end
  waiting[client.id] = waiting[client.id] or {}
  table.insert(waiting[client.id], once)
  vim.defer_fn(once, M.READY_TIMEOUT_MS)
end

--- Like `get`, but tells the user when there is no client.
---@param bufnr integer|nil
---@return vim.lsp.Client|nil
function M.require(bufnr)
  local client = M.get(bufnr)
  if not client then
    vim.notify(
      'Delegate: the language server is not running here — open a file of a project, or see :checkhealth delegate',
      vim.log.levels.WARN,
      { title = 'Delegate' }
    )
  end
  return client
end

--- The text of an LSP error, without the JSON-RPC wrapping.
---@param err table|string
---@return string
function M.error_text(err)
  if type(err) == 'table' then
    return tostring(err.message or vim.inspect(err))
  end
  return tostring(err)
end

--- Send a request; `on_result(result)` runs on success, failures are shown to the user.
---@param client vim.lsp.Client
---@param method string
---@param params table|nil
---@param on_result fun(result: any)|nil
---@param bufnr integer|nil
---@param what string|nil how the failure names the request (default: the method)
function M.request(client, method, params, on_result, bufnr, what)
  client:request(method, params or vim.empty_dict(), function(err, result)
    if err then
      vim.notify(
        string.format('Delegate: %s failed: %s', what or method, M.error_text(err)),
        vim.log.levels.ERROR,
        { title = 'Delegate' }
      )
      return
    end
    if on_result then
      on_result(result)
    end
  end, bufnr)
end

--- Run one of the server's `delegate.*` commands (failures are shown like `request`'s).
---@param client vim.lsp.Client
---@param command string e.g. "delegate.acceptHunk"
---@param argument table|nil the command's one argument
---@param on_result fun(result: any)|nil
function M.execute(client, command, argument, on_result)
  local params = { command = command, arguments = argument and { argument } or nil }
  M.request(client, 'workspace/executeCommand', params, on_result, nil, command)
end

--- Ask for code lenses again in every loaded buffer the client is attached to (Neovim 0.11
--- does not refresh them by itself after a change on the server's side).
---@param client vim.lsp.Client|nil
---@param again boolean|nil internal: the follow-up call
function M.refresh_lenses(client, again)
  if not client or not require('delegate.config').get().codelens then
    return
  end
  for bufnr in pairs(client.attached_buffers or {}) do
    if vim.api.nvim_buf_is_loaded(bufnr) then
      vim.lsp.codelens.refresh({ bufnr = bufnr })
    end
  end
  if not again then
    -- Neovim skips a refresh while one is in flight, and that one may have been asked
    -- before the decision: ask once more a little later
    vim.defer_fn(function() M.refresh_lenses(client, true) end, 400)
  end
end

return M
