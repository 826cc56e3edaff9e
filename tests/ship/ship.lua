-- Shipping from a stock Neovim (only vim.lsp built-ins, no Delegate plugin).
--
-- tests/ship/test_ship_nvim.py prepares a repository with a decided proposal and runs
--   nvim --headless --clean -u NONE -n -i NONE -l ship.lua <python> <folder> <remote> <answer> <out.json>
-- The script plays the user: it opens calc.py, asks for code actions, runs the "ship … to a
-- branch" one, and answers the server's window/showMessageRequest with <answer> — through
-- vim.ui.select, which Neovim's own handler calls (vim.fn.inputlist when it runs outside a
-- coroutine; both are answered). What it saw goes to out.json, also on failure.

local python, folder, remote, answer, out_path = arg[1], arg[2], arg[3], arg[4], arg[5]
local TIMEOUT_MS = 60000
local report = {}

local function wait_for(what, condition)
  if not vim.wait(TIMEOUT_MS, condition, 20) then
    error('timed out waiting for ' .. what, 2)
  end
end

local function remote_branches()
  return vim.fn.systemlist({ 'git', '-C', remote, 'for-each-ref', '--format=%(refname:short)', 'refs/heads' })
end

local function asked(prompt, titles)
  report.prompt = prompt
  report.choices = titles
  report.remote_when_asked = remote_branches()
end

vim.ui.select = function(items, opts, on_choice)
  local titles = {}
  for _, item in ipairs(items) do
    table.insert(titles, (opts.format_item(item)))
  end
  asked(opts.prompt, titles)
  report.asked_with = 'vim.ui.select'
  for _, item in ipairs(items) do
    if item.title == answer then
      return on_choice(item)
    end
  end
  on_choice(nil)
end

vim.fn.inputlist = function(lines)
  asked(lines[1], { unpack(lines, 3) })
  report.asked_with = 'inputlist'
  for i = 3, #lines do
    if lines[i]:sub(4) == answer then
      return i - 2
    end
  end
  return 0
end

local function ship()
  vim.cmd.edit(vim.fn.fnameescape(folder .. '/calc.py'))
  local buf = vim.api.nvim_get_current_buf()
  local client_id = assert(vim.lsp.start({
    name = 'delegate',
    cmd = { python, '-m', 'delegate', 'serve' },
    root_dir = folder,
  }))
  local client = assert(vim.lsp.get_client_by_id(client_id))
  wait_for('the server to initialize', function()
    return client.initialized and vim.lsp.buf_is_attached(buf, client_id)
  end)
  local params = vim.lsp.util.make_range_params(0, client.offset_encoding)
  params.context = { diagnostics = {} }
  local actions = assert(client:request_sync('textDocument/codeAction', params, TIMEOUT_MS, buf)).result or {}
  report.actions = {}
  local chosen
  for _, action in ipairs(actions) do
    table.insert(report.actions, action.title)
    if action.title:find('to a branch', 1, true) then
      chosen = action
    end
  end
  assert(chosen, 'no ship action offered')
  local done = false
  client:exec_cmd(chosen.command, { bufnr = buf }, function(err, result)
    report.result = err and { error = err.message } or result
    done = true
  end)
  wait_for('delegate.ship to answer', function() return done end)
  report.remote_after = remote_branches()
end

local ok, err = xpcall(ship, debug.traceback)
if not ok then
  report.error = err
end
report.messages = vim.api.nvim_exec2('messages', { output = true }).output
local file = assert(io.open(out_path, 'w'))
file:write(vim.json.encode(report))
file:close()
vim.cmd('qa!')
