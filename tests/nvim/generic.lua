-- A new user's Neovim 0.11 with only the README's configuration (no Delegate plugin).
--
-- tests/nvim/test_nvim_generic.py writes the README's Lua block to init.lua and runs
--   nvim --headless --clean -u init.lua -n -i NONE -l generic.lua <folder> <scenario> <out.json>
-- This script plays the user: it opens app.py, starts a task from its `delegate:` comment
-- through the code action (vim.lsp.buf.code_action, as `gra` does) and then, by scenario:
--   failed:   the task fails (no key); the message Neovim shows is recorded;
--   proposal: the task produces a proposal; the "Proposal ready" prompt (vim.ui.select, the
--             way Neovim shows window/showMessageRequest) is answered "Open first file",
--             the created file's "Diff" lens shows its content, the hunk's code actions
--             are listed, and the created file is accepted over its empty buffer.
-- Lenses are never refreshed by this script: the README's autocmd must do it. What the
-- script saw goes to out.json (also on failure, with the error). Every wait is bounded.

local folder, scenario, out_path = arg[1], arg[2], arg[3]
local TIMEOUT_MS = 60000
local report = { notified = {}, prompts = {}, steps = {} }

local function wait_for(what, condition)
  if not vim.wait(TIMEOUT_MS, condition, 20) then
    error('timed out waiting for ' .. what, 2)
  end
end

-- what Neovim shows the user: window/showMessage goes to vim.notify, showMessageRequest
-- to vim.ui.select; both are recorded and still shown
local notify = vim.notify
vim.notify = function(message, level, opts)
  table.insert(report.notified, { message = message, level = level })
  return notify(message, level, opts)
end
local answer = nil
vim.ui.select = function(items, opts, on_choice)
  local titles = {}
  for _, item in ipairs(items) do
    table.insert(titles, opts.format_item and opts.format_item(item) or tostring(item))
  end
  table.insert(report.prompts, { prompt = opts.prompt, items = titles })
  for i, title in ipairs(titles) do
    if title == answer then
      return on_choice(items[i], i)
    end
  end
  return on_choice(nil, nil)
end

-- only to learn the proposal's first file: a plain Neovim ignores this notification
vim.lsp.handlers['delegate/taskChanged'] = function(_, params)
  if params.state == 'succeeded' or params.state == 'failed' then
    report.final = report.final or params
  end
end

local function client_of(buf)
  return vim.lsp.get_clients({ bufnr = buf, name = 'delegate' })[1]
end

local function lenses(buf)
  local found = {}
  for _, lens in ipairs(vim.lsp.codelens.get(buf)) do
    if lens.command then
      table.insert(found, { line = lens.range.start.line, title = lens.command.title, command = lens.command })
    end
  end
  return found
end

local function lens_titled(buf, title)
  for _, lens in ipairs(lenses(buf)) do
    if lens.title == title then
      return lens
    end
  end
end

local function execute(client, buf, command)
  local done, result = false, nil
  client:exec_cmd(command, { bufnr = buf }, function(err, res)
    result = err and { error = err.message } or res
    done = true
  end)
  wait_for(command.command .. ' to answer', function() return done end)
  return result
end

local function action_titles(client, buf, line, diagnostics)
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    range = { start = { line = line, character = 0 }, ['end'] = { line = line, character = 0 } },
    context = { diagnostics = diagnostics or {} },
  }
  local answer_ = client:request_sync('textDocument/codeAction', params, TIMEOUT_MS, buf)
  local titles = {}
  for _, action in ipairs((answer_ and answer_.result) or {}) do
    table.insert(titles, action.title)
  end
  return titles
end

local function delegate_lsp_diagnostics(buf)
  local found = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    if d.source == 'delegate' and d.user_data and d.user_data.lsp then
      table.insert(found, d.user_data.lsp)
    end
  end
  return found
end

local function told(pattern)
  for _, n in ipairs(report.notified) do
    if n.message:find(pattern, 1, true) then
      return true
    end
  end
  return false
end

local function run()
  vim.cmd.edit(vim.fn.fnameescape(folder .. '/app.py'))
  local buf = vim.api.nvim_get_current_buf()
  wait_for('the delegate server to attach', function()
    local client = client_of(buf)
    return client ~= nil and client.initialized
  end)
  local client = client_of(buf)
  report.server_pids = vim.api.nvim_get_proc_children(vim.fn.getpid())

  -- start the task the way a user does: cursor on the comment, pick its code action
  local comment = vim.fn.search('delegate: write a note', 'w')
  assert(comment > 0, 'no delegate: comment in app.py')
  report.comment_actions = action_titles(client, buf, comment - 1)
  answer = scenario == 'proposal' and 'Open first file' or nil
  vim.lsp.buf.code_action({
    apply = true,
    filter = function(action) return action.title:find('^Delegate: write a note') ~= nil end,
  })

  if scenario == 'failed' then
    wait_for('the failure to be shown', function() return told('task failed') end)
    return
  end

  -- "Proposal ready": answered "Open first file", which Neovim opens (window/showDocument)
  wait_for('the proposal prompt', function() return #report.prompts > 0 end)
  wait_for('the final task notification', function() return report.final ~= nil end)
  local first = vim.uri_to_fname(report.final.proposal.firstUri)
  wait_for('the first file to be shown', function() return vim.api.nvim_buf_get_name(0) == first end)
  report.opened = vim.fn.fnamemodify(first, ':t')
  vim.cmd.buffer(buf)

  -- the pending comment offers no second task; Delegate's diagnostic offers no fix
  wait_for('the hunk diagnostic in app.py', function() return #delegate_lsp_diagnostics(buf) > 0 end)
  report.pending_comment_actions = action_titles(client, buf, comment - 1)
  local ours = delegate_lsp_diagnostics(buf)
  report.diagnostic_actions = action_titles(client, buf, ours[1].range.start.line, ours)

  -- the created file: its path opened as an empty buffer; lenses come from the README autocmd
  vim.cmd.edit(vim.fn.fnameescape(folder .. '/NOTES.md'))
  local notes = vim.api.nvim_get_current_buf()
  wait_for('the server to attach to NOTES.md', function() return client_of(notes) ~= nil end)
  wait_for('the Diff lens of the created file', function() return lens_titled(notes, 'Diff') ~= nil end)
  local titles = {}
  for _, lens in ipairs(lenses(notes)) do
    table.insert(titles, lens.title)
  end
  report.notes_lenses = titles
  local shown = execute(client, notes, lens_titled(notes, 'Diff').command)
  report.diff = shown
  local preview = nil
  wait_for('the preview to open in a window', function()
    for _, win in ipairs(vim.api.nvim_list_wins()) do
      local shown_buf = vim.api.nvim_win_get_buf(win)
      if vim.api.nvim_buf_get_name(shown_buf):find('.delegate/previews', 1, true) then
        preview = shown_buf
      end
    end
    return preview ~= nil
  end)
  report.preview_lines = vim.api.nvim_buf_get_lines(preview, 0, -1, true)
  report.preview_name = vim.api.nvim_buf_get_name(preview)

  -- accept the created file over its empty, unmodified buffer
  vim.cmd.buffer(notes)
  local accepted = execute(client, notes, lens_titled(notes, 'Accept file (1 hunk)').command)
  report.accepted = accepted
  wait_for('NOTES.md to hold the note', function()
    return vim.api.nvim_buf_get_lines(notes, 0, -1, true)[1] ~= ''
  end)
  report.notes_lines = vim.api.nvim_buf_get_lines(notes, 0, -1, true)
  -- after the decision, the README's autocmd brings the lenses up to date by itself
  wait_for('the accepted file to lose its lenses', function() return #lenses(notes) == 0 end)
end

local ok, err = xpcall(run, debug.traceback)
if not ok then
  report.error = err
end
report.messages = vim.api.nvim_exec2('messages', { output = true }).output
local file = assert(io.open(out_path, 'w'))
file:write(vim.json.encode(report))
file:close()
vim.cmd('qa!')
