--- `:Delegate` — one command with subcommands, and its completion.
---
---   :Delegate {task}             delegate a task (a visual range is its focus; no text: asked)
---   :Delegate task {task}        the same, for a text that starts with a subcommand's name
---   :Delegate tests [notes]      generate tests for the range or the function under the cursor
---   :Delegate tasks              pick a task: review, revise, cancel, open its trace
---   :Delegate review [task]      open the review of a proposal
---   :Delegate accept|reject [hunk|file|all]
---   :Delegate revise [feedback]  revise the proposal with feedback
---   :Delegate cancel [task]
---   :Delegate reindex | log | key
local client_mod = require('delegate.client')

local M = {}

local function notify(message, level)
  require('delegate.progress').notify(message, level)
end

--- The LSP range of lines `line1..line2` (1-based, inclusive) of `bufnr`, in `encoding`.
---@param bufnr integer
---@param line1 integer
---@param line2 integer
---@param encoding string
---@return lsp.Range
function M.lines_range(bufnr, line1, line2, encoding)
  local last = vim.api.nvim_buf_get_lines(bufnr, line2 - 1, line2, false)[1] or ''
  local character = #last
  if encoding ~= 'utf-8' then
    character = vim.str_utfindex(last, encoding == 'utf-32' and 'utf-32' or 'utf-16', #last, false)
  end
  return {
    start = { line = line1 - 1, character = 0 },
    ['end'] = { line = line2 - 1, character = character },
  }
end

--- The server's answer to a started task, told to the user.
local function started(what)
  return function(result)
    local id = result and result.taskId
    if id then
      require('delegate.tasks').update({ taskId = id, state = 'queued', instruction = what })
      notify(string.format('Delegate: started %s — progress follows; :Delegate tasks', id))
    end
  end
end

--- Start a task: `argument` is `delegate.task`'s argument; without `text` the user is asked.
---@param client vim.lsp.Client
---@param argument table {uri, range?, text?, trigger?}
function M.start_task(client, argument)
  local function send(text)
    local given = vim.tbl_extend('force', argument, { text = text })
    client_mod.when_ready(client, function()
      client_mod.execute(client, 'delegate.task', given, started(text))
    end)
  end
  if type(argument.text) == 'string' and vim.trim(argument.text) ~= '' then
    return send(vim.trim(argument.text))
  end
  vim.ui.input({ prompt = 'Delegate task: ' }, function(input)
    if input and vim.trim(input) ~= '' then
      send(vim.trim(input))
    end
  end)
end

--- The client-side handler of `delegate.task` (code actions): the "Delegate task…" action
--- comes without `text`, so the user is asked for it here.
---@param command lsp.Command
---@param ctx table
function M.task_command(command, ctx)
  local client = vim.lsp.get_client_by_id(ctx.client_id)
  local argument = (command.arguments or {})[1]
  if client and type(argument) == 'table' then
    M.start_task(client, argument)
  end
end

--- A delegate diagnostic's hunk on `row` (0-based) of `bufnr`, or any in the buffer.
---@return {taskId: string, path: string, hunkId: string}|nil
function M.hunk_in_buffer(bufnr, row)
  local any
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    local data = d.user_data and d.user_data.lsp and d.user_data.lsp.data
    if d.source == 'delegate' and type(data) == 'table' and data.taskId then
      if row == nil or (row >= d.lnum and row <= (d.end_lnum or d.lnum)) then
        return data
      end
      any = any or data
    end
  end
  if row == nil then
    return any
  end
  return nil
end

--- `:Delegate accept|reject [hunk|file|all]`, in the review or in an ordinary buffer.
local function decide(client, verdict, what)
  what = what or 'hunk'
  if what ~= 'hunk' and what ~= 'file' and what ~= 'all' then
    return notify(string.format('Delegate: %s what? hunk, file or all (got %q)', verdict, what), vim.log.levels.WARN)
  end
  local review_mod = require('delegate.review')
  local review = review_mod.for_buffer(vim.api.nvim_get_current_buf())
  if review then
    return review_mod.decide(review, verdict, what)
  end
  local bufnr = vim.api.nvim_get_current_buf()
  local row = vim.api.nvim_win_get_cursor(0)[1] - 1
  local found = M.hunk_in_buffer(bufnr, what == 'hunk' and row or nil)
  local function after()
    client_mod.refresh_lenses(client)
  end
  if what == 'all' then
    local function all(task_id)
      local command = verdict == 'accept' and 'delegate.acceptAll' or 'delegate.rejectAll'
      client_mod.execute(client, command, { taskId = task_id }, after)
    end
    if found then
      return all(found.taskId)
    end
    return M.with_proposal(client, all)
  end
  if not found then
    return notify(
      what == 'hunk' and 'Delegate: no proposed change under the cursor (:Delegate review lists them)'
        or 'Delegate: no proposed change in this buffer (:Delegate review lists them)',
      vim.log.levels.WARN
    )
  end
  local names = {
    accept = { hunk = 'delegate.acceptHunk', file = 'delegate.acceptFile' },
    reject = { hunk = 'delegate.rejectHunk', file = 'delegate.rejectFile' },
  }
  local argument = { taskId = found.taskId, path = found.path, hunkId = what == 'hunk' and found.hunkId or nil }
  client_mod.execute(client, names[verdict][what], argument, after)
end

--- Call `fn(task_id)` with the task of the review in the current buffer, else of the only
--- proposal with open hunks, else the one the user picks.
---@param client vim.lsp.Client
---@param fn fun(task_id: string)
function M.with_proposal(client, fn)
  local review = require('delegate.review').for_buffer(vim.api.nvim_get_current_buf())
  if review then
    return fn(review.task_id)
  end
  client_mod.request(client, 'delegate/proposals', {}, function(result)
    local proposals = (result or {}).proposals or {}
    if #proposals == 0 then
      return notify('Delegate: no proposal is waiting for review')
    elseif #proposals == 1 then
      return fn(proposals[1].taskId)
    end
    vim.ui.select(proposals, {
      prompt = 'Which proposal?',
      format_item = function(p) return p.taskId .. ' — ' .. (p.summary or ''):gsub('\n.*', '') end,
    }, function(choice)
      if choice then
        fn(choice.taskId)
      end
    end)
  end)
end

--- `:Delegate key`: asks for the key without showing it, sends `delegate/setApiKey`; the
--- key lives in the server process only (and is never written anywhere by the plugin).
function M.ask_key(client)
  local function send(key)
    if key == nil then
      return
    end
    client:notify('delegate/setApiKey', { key = key })
    notify(key == '' and 'Delegate: API key cleared for this session'
      or 'Delegate: API key set for this session (kept in memory only)')
  end
  local input = vim.ui.input
  local builtin = debug.getinfo(input, 'S').source:find('vim/ui.lua', 1, true) ~= nil
  if builtin then
    -- the built-in prompt would echo the key; inputsecret() shows asterisks
    local ok, key = pcall(vim.fn.inputsecret, 'Anthropic API key (empty clears it): ')
    return send(ok and vim.trim(key) or nil)
  end
  input({ prompt = 'Anthropic API key (empty clears it): ', secret = true }, function(key)
    send(key and vim.trim(key) or nil)
  end)
end

--- `:Delegate log`: the server's log of the folder of the current buffer.
function M.open_log(client)
  local root = client.root_dir or (client.workspace_folders and client.workspace_folders[1]
    and vim.uri_to_fname(client.workspace_folders[1].uri))
  local path = root and (root .. '/.delegate/logs/server.log')
  if not path or not vim.uv.fs_stat(path) then
    path = vim.lsp.log.get_filename()
  end
  vim.cmd('split ' .. vim.fn.fnameescape(path))
  vim.bo.readonly = true
  vim.cmd('normal! G')
end

---@class delegate.CommandArgs
---@field args string
---@field fargs string[]
---@field range integer
---@field line1 integer
---@field line2 integer

---@type table<string, fun(client: vim.lsp.Client, rest: string, opts: delegate.CommandArgs)>
M.subcommands = {
  tests = function(client, rest, opts)
    local bufnr = vim.api.nvim_get_current_buf()
    local range
    if opts.range > 0 then
      range = M.lines_range(bufnr, opts.line1, opts.line2, client.offset_encoding)
    else
      local row = vim.api.nvim_win_get_cursor(0)[1]
      range = M.lines_range(bufnr, row, row, client.offset_encoding)
      range.start.character = 0
    end
    local argument = { uri = vim.uri_from_bufnr(bufnr), range = range, text = rest ~= '' and rest or nil }
    client_mod.when_ready(client, function()
      client_mod.execute(client, 'delegate.generateTests', argument, started('tests'))
    end)
  end,
  tasks = function(client) require('delegate.tasks').pick(client) end,
  review = function(client, rest) require('delegate.review').open(client, rest ~= '' and rest or nil) end,
  accept = function(client, rest) decide(client, 'accept', rest ~= '' and rest or nil) end,
  reject = function(client, rest) decide(client, 'reject', rest ~= '' and rest or nil) end,
  revise = function(client, rest)
    M.with_proposal(client, function(task_id) require('delegate.review').revise(client, task_id, rest) end)
  end,
  cancel = function(client, rest) require('delegate.tasks').cancel(client, rest ~= '' and rest or nil) end,
  reindex = function(client)
    client_mod.execute(client, 'delegate.reindex', {}, function(result)
      notify(string.format('Delegate: rebuilding the index of %d folder(s)', #((result or {}).folders or {})))
    end)
  end,
  log = function(client) M.open_log(client) end,
  key = function(client) M.ask_key(client) end,
}

--- `:Delegate task {text}`: always a task, for a text that starts with a subcommand's name.
M.subcommands.task = function(client, rest, opts)
  M.start_task_here(client, rest, opts)
end

--- Start a task in the current buffer, on the command's range when it has one.
---@param client vim.lsp.Client
---@param text string
---@param opts delegate.CommandArgs
function M.start_task_here(client, text, opts)
  local bufnr = vim.api.nvim_get_current_buf()
  local argument = { uri = vim.uri_from_bufnr(bufnr), text = text }
  if opts.range > 0 then
    argument.range = M.lines_range(bufnr, opts.line1, opts.line2, client.offset_encoding)
  end
  M.start_task(client, argument)
end

--- Run `:Delegate` with the user command's `opts`.
---@param opts delegate.CommandArgs
function M.run(opts)
  local client = client_mod.require(vim.api.nvim_get_current_buf())
  if not client then
    return
  end
  local args = vim.trim(opts.args or '')
  local first, rest = args:match('^(%S+)%s*(.*)$')
  local sub = first and M.subcommands[first]
  if sub then
    return sub(client, vim.trim(rest or ''), opts)
  end
  M.start_task_here(client, args, opts)
end

--- Completion of `:Delegate`: subcommands first, then each one's arguments.
---@param arglead string
---@param cmdline string
---@return string[]
function M.complete(arglead, cmdline)
  local words = vim.split(vim.trim(cmdline:gsub("^%A*%a+!?", '', 1)), '%s+', { trimempty = true })
  local typing_first = #words == 0 or (#words == 1 and arglead ~= '')
  local function matching(list)
    return vim.tbl_filter(function(item) return vim.startswith(item, arglead) end, list)
  end
  if typing_first then
    local names = vim.tbl_keys(M.subcommands)
    table.sort(names)
    return matching(names)
  end
  local sub = words[1]
  if sub == 'accept' or sub == 'reject' then
    return matching({ 'hunk', 'file', 'all' })
  end
  if sub == 'review' or sub == 'cancel' then
    local ids = {}
    for id in pairs(require('delegate.review').open_reviews) do
      ids[id] = true
    end
    for _, id in ipairs(require('delegate.tasks').ids()) do
      ids[id] = true
    end
    local list = vim.tbl_keys(ids)
    table.sort(list)
    return matching(list)
  end
  return {}
end

return M
