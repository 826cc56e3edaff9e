-- Proposal review in a stock Neovim: only vim.lsp built-ins, no Delegate plugin.
--
-- tests/nvim/test_nvim_review.py seeds a proposal for a copy of ./workspace and runs
--   nvim --headless --clean -u NONE -n -i NONE -l review.lua <python> <folder> <encoding> <out.json>
-- This script plays the user: it opens app.py, waits for the "delegate" diagnostics and the
-- code lenses, edits the buffer, accepts one hunk through its lens, tries to accept the other
-- while typing (a stale edit Neovim skips), rejects it, accepts the rest with
-- delegate.acceptAll and writes every buffer (:wa). Neovim itself answers the
-- server's workspace/applyEdit — the point of the test. What the script saw goes to out.json
-- (also when it fails, with the error); the pytest side asserts on it. Every wait is on a
-- condition, bounded by TIMEOUT_MS: no fixed sleeps.

local python, folder, encoding, out_path = arg[1], arg[2], arg[3], arg[4]
local TIMEOUT_MS = 20000
local report = { steps = {} }

local function wait_for(what, condition)
  if not vim.wait(TIMEOUT_MS, condition, 20) then
    error('timed out waiting for ' .. what, 2)
  end
end

local function delegate_diagnostics(buf)
  local found = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    if d.source == 'delegate' then
      table.insert(found, { lnum = d.lnum, col = d.col, end_lnum = d.end_lnum, end_col = d.end_col })
    end
  end
  table.sort(found, function(a, b) return a.lnum < b.lnum end)
  return found
end

local function lenses(buf)
  local found = {}
  for _, lens in ipairs(vim.lsp.codelens.get(buf)) do
    if lens.command then
      table.insert(found, { line = lens.range.start.line, title = lens.command.title, command = lens.command })
    end
  end
  table.sort(found, function(a, b) return a.line < b.line or (a.line == b.line and a.title < b.title) end)
  return found
end

-- Neovim 0.11 does not announce workspace.codeLens.refreshSupport, so a user refreshes lenses
-- (usually from an autocmd); a refresh already in flight makes this a no-op.
local function lenses_when(what, buf, condition)
  wait_for(what, function()
    vim.lsp.codelens.refresh({ bufnr = buf })
    return condition(lenses(buf))
  end)
  return lenses(buf)
end

local function lens_at(buf, line, title)
  for _, lens in ipairs(lenses(buf)) do
    if lens.line == line and lens.title == title then
      return lens
    end
  end
  error(string.format('no %q lens at line %d', title, line), 2)
end

local function lines(buf)
  return vim.api.nvim_buf_get_lines(buf, 0, -1, true)
end

local function snapshot(name, buf, extra)
  local step = { name = name, lines = lines(buf), diagnostics = delegate_diagnostics(buf), lenses = {} }
  for _, lens in ipairs(lenses(buf)) do
    table.insert(step.lenses, { line = lens.line, title = lens.title })
  end
  for k, v in pairs(extra or {}) do
    step[k] = v
  end
  table.insert(report.steps, step)
end

-- run a command through the client and wait for the server's answer
local function execute(client, buf, command)
  local done, answer = false, nil
  client:exec_cmd(command, { bufnr = buf }, function(err, result)
    answer = err and { error = err.message } or result
    done = true
  end)
  wait_for(command.command .. ' to answer', function() return done end)
  return answer
end

local function review()
  local capabilities = vim.lsp.protocol.make_client_capabilities()
  if encoding ~= 'default' then
    capabilities.general.positionEncodings = { encoding }
  end
  vim.cmd.edit(vim.fn.fnameescape(folder .. '/app.py'))
  local buf = vim.api.nvim_get_current_buf()
  local client_id = assert(vim.lsp.start({
    name = 'delegate',
    cmd = { python, '-m', 'delegate', 'serve' },
    root_dir = folder,
    capabilities = capabilities,
  }))
  local client = assert(vim.lsp.get_client_by_id(client_id))
  wait_for('the server to initialize', function()
    return client.initialized and vim.lsp.buf_is_attached(buf, client_id)
  end)
  report.offset_encoding = client.offset_encoding
  report.server_pids = {}
  for _, pid in ipairs(vim.api.nvim_get_proc_children(vim.fn.getpid())) do
    table.insert(report.server_pids, pid)
  end

  -- presented: a diagnostic per pending hunk, a file lens and Accept/Reject/Diff per hunk
  wait_for('two delegate diagnostics', function() return #delegate_diagnostics(buf) == 2 end)
  lenses_when('the review lenses', buf, function(found) return #found == 8 end)
  snapshot('presented', buf)
  local task_id = lenses(buf)[1].command.arguments[1].taskId
  local first, last = unpack(delegate_diagnostics(buf))

  -- the user types above both hunks: the lenses move with the text
  vim.api.nvim_buf_set_lines(buf, 0, 0, true, { '# edited in Neovim before accepting' })
  lenses_when('the lenses to move', buf, function(found)
    return #found == 8 and found[#found].line == last.lnum + 1
  end)
  wait_for('the diagnostics to move', function()
    local now = delegate_diagnostics(buf)
    return #now == 2 and now[2].lnum == last.lnum + 1
  end)
  snapshot('moved', buf)
  local diff = execute(client, buf, lens_at(buf, last.lnum + 1, 'Diff').command)

  -- accept the last hunk (the emoji line at the end of the file) the way a user does: cursor
  -- on the line, vim.lsp.codelens.run(), pick "Accept" in the vim.ui.select prompt
  vim.ui.select = function(items, opts, on_choice)
    for _, item in ipairs(items) do
      if opts.format_item(item) == 'Accept' then
        return on_choice(item)
      end
    end
    error('no Accept lens offered')
  end
  vim.api.nvim_win_set_cursor(0, { last.lnum + 2, 0 })
  vim.lsp.codelens.run()
  wait_for('the accepted hunk to leave the diagnostics', function()
    return #delegate_diagnostics(buf) == 1
  end)
  lenses_when('the lenses of the one hunk left', buf, function(found) return #found == 5 end)
  snapshot('accepted', buf, { diff = diff })

  -- accept the first hunk, but the user types (away from it) while the edit is on its way:
  -- Neovim skips the now stale edit ("Buffer … newer than edits") and still answers
  -- applied = true. The server must notice that the text never changed: the hunk stays
  -- pending and the user is told.
  local apply_edit = vim.lsp.handlers['workspace/applyEdit']
  vim.lsp.handlers['workspace/applyEdit'] = function(...)
    vim.lsp.handlers['workspace/applyEdit'] = apply_edit
    vim.api.nvim_buf_set_lines(buf, -1, -1, true, { '# edited in Neovim after accepting' })
    return apply_edit(...)
  end
  local stale = execute(client, buf, lens_at(buf, first.lnum + 1, 'Accept').command)
  lenses_when('the pending hunk to keep its lenses', buf, function(found) return #found == 5 end)
  snapshot('stale', buf, { result = stale })

  -- then reject it through its lens
  local rejected = execute(client, buf, lens_at(buf, first.lnum + 1, 'Reject').command)
  wait_for('no delegate diagnostics', function() return #delegate_diagnostics(buf) == 0 end)
  lenses_when('no lenses', buf, function(found) return #found == 0 end)
  snapshot('rejected', buf, { result = rejected })

  -- the rest: a closed file (util.py) and a new file (retry.py) in one workspace edit
  local accepted = execute(client, buf, {
    title = 'Accept all',
    command = 'delegate.acceptAll',
    arguments = { { taskId = task_id } },
  })
  snapshot('accepted all', buf, { result = accepted })
  report.buffers = {}
  for _, name in ipairs({ 'app.py', 'util.py', 'retry.py' }) do
    local other = vim.fn.bufnr(folder .. '/' .. name)
    if other ~= -1 and vim.api.nvim_buf_is_loaded(other) then
      report.buffers[name] = lines(other)
    end
  end
  vim.cmd('silent wall')
end

local ok, err = xpcall(review, debug.traceback)
if not ok then
  report.error = err
end
-- what the user was told: window/showMessage and the applyEdit label end up in :messages
report.messages = vim.api.nvim_exec2('messages', { output = true }).output
local file = assert(io.open(out_path, 'w'))
file:write(vim.json.encode(report))
file:close()
vim.cmd('qa!')
