-- Unit tests of the Delegate plugin's pure modules, run by test_plugin_units.py as
--   nvim --headless --clean -u NONE -l plugin_units.lua <clients/neovim>
-- No test framework: each case is a function; a failure prints its name and the values
-- compared, and the script exits 1. Data-driven where the module is a function of data.
local plugin = assert(arg[1], 'usage: plugin_units.lua <plugin dir>')
vim.opt.runtimepath:prepend(plugin)

local failures, passed = {}, 0

local function eq(expected, actual, what)
  if not vim.deep_equal(expected, actual) then
    error(string.format('%s\nexpected: %s\n  actual: %s', what or 'values differ', vim.inspect(expected), vim.inspect(actual)), 2)
  end
end

local function case(name, fn)
  local ok, err = xpcall(fn, debug.traceback)
  if ok then
    passed = passed + 1
  else
    table.insert(failures, name .. ': ' .. tostring(err))
  end
end

-- config --------------------------------------------------------------------------------
local config = require('delegate.config')

case('no options: the defaults, no problems', function()
  local options, problems = config.validate(nil)
  eq(config.defaults, options)
  eq({}, problems)
end)

for _, row in ipairs({
  { { keymaps = { accept_hunk = 3 } }, { '`keymaps.accept_hunk` must be a key sequence (string) or false to disable it, got 3' } },
  { { keymaps = { accept_hunk = '' } }, { '`keymaps.accept_hunk` must be a key sequence (string) or false to disable it, got ""' } },
  { { review = { layout = 'float' } }, { '`review.layout` must be "tab", "vertical" or "horizontal", got "float"' } },
  { { review = { list_width = 5 } }, { '`review.list_width` must be a whole number of columns, at least 20, got 5' } },
  { { notify = { throttle_ms = -1 } }, { '`notify.throttle_ms` must be a whole number of milliseconds (0 or more), got -1' } },
  { { notify = 'loud' }, { '`notify` must be a table, got "loud"' } },
  { { colour = 'red' }, { '`colour` is not an option' } },
  { { keymaps = { acept_hunk = 'x' } }, { '`keymaps.acept_hunk` is not an option' } },
  { { cmd = { 'delegate', 1 } }, { '`cmd` must be a non-empty list of strings, got { "delegate", 1 }' } },
  { { codelens = 'yes', notify = { progress = 0 } }, {
    '`codelens` must be a boolean, got "yes"',
    '`notify.progress` must be a boolean, got 0',
  } },
  { 'opts', { 'options must be a table, got "opts"' } },
}) do
  case('bad option reported by name: ' .. vim.inspect(row[1], { newline = ' ', indent = '' }), function()
    local options, problems = config.validate(row[1])
    eq(row[2], problems)
    eq(config.defaults.keymaps.accept_hunk, options.keymaps.accept_hunk, 'bad values keep their default')
    eq(config.defaults.review.layout, options.review.layout)
  end)
end

case('good options are taken, the rest stay default', function()
  local options, problems = config.validate({
    keymaps = { accept_hunk = '<leader>a', close = false },
    review = { layout = 'vertical' },
    cmd = { '/x/delegate', 'serve' },
  })
  eq({}, problems)
  eq('<leader>a', options.keymaps.accept_hunk)
  eq(false, options.keymaps.close)
  eq(']h', options.keymaps.next_hunk)
  eq('vertical', options.review.layout)
  eq({ '/x/delegate', 'serve' }, options.cmd)
end)

case('set() keeps the good values and returns the problems', function()
  local problems = config.set({ keymaps = { next_hunk = 1, prev_hunk = '<Up>' } })
  eq(1, #problems)
  eq(']h', config.get().keymaps.next_hunk)
  eq('<Up>', config.get().keymaps.prev_hunk)
  eq({ 'delegate', 'serve' }, config.server_cmd())
  config.set(nil)
end)

-- hunk navigation -----------------------------------------------------------------------
local nav = require('delegate.review.nav')
for _, row in ipairs({
  { { 4, 6, 9 }, 0, 1, 4 },
  { { 4, 6, 9 }, 4, 1, 6 },
  { { 4, 6, 9 }, 5, 1, 6 },
  { { 4, 6, 9 }, 9, 1, 4 }, -- wraps
  { { 4, 6, 9 }, 9, -1, 6 },
  { { 4, 6, 9 }, 4, -1, 9 }, -- wraps
  { { 4, 6, 9 }, 20, -1, 9 },
  { {}, 3, 1, nil },
}) do
  case(string.format('nav.step(%s, %d, %d)', vim.inspect(row[1]), row[2], row[3]), function()
    eq(row[4], nav.step(row[1], row[2], row[3]))
  end)
end

case('nav.first_open skips decided hunks and wraps to the first open one', function()
  local open = { [6] = true, [9] = false, [4] = false }
  local is_open = function(r) return open[r] == true end
  eq(6, nav.first_open({ 4, 6, 9 }, is_open, 0))
  eq(6, nav.first_open({ 4, 6, 9 }, is_open, 7))
  eq(4, nav.first_open({ 4, 6, 9 }, function() return false end, 7))
end)

-- inline diff ---------------------------------------------------------------------------
local inline = require('delegate.review.inline')

local function range(l0, c0, l1, c1)
  return { start = { line = l0, character = c0 }, ['end'] = { line = l1, character = c1 } }
end

--- The marks as short strings, easy to compare: "row:-" (removed), "row:+ text|+ text"
--- (virtual lines below row), "row:label text".
local function marks_of(rendered)
  local out = {}
  for _, m in ipairs(rendered.marks) do
    if m.opts.line_hl_group == 'DelegateDelete' then
      table.insert(out, m.row .. ':-')
    elseif m.opts.virt_lines then
      local texts = {}
      for _, vl in ipairs(m.opts.virt_lines) do
        table.insert(texts, vl[1][1])
      end
      table.insert(out, m.row .. ':' .. table.concat(texts, '|'))
    elseif m.opts.virt_text then
      table.insert(out, m.row .. ':' .. vim.trim(m.opts.virt_text[1][1]))
    end
  end
  return out
end

case('inline: a modified line is removed and its new text hangs below it', function()
  local rendered = inline.build({
    path = 'app.py', op = 'modify', current = 'a\nb\nc\n', proposed = 'a\nB\nc\n',
    hunks = { { id = '0:1', kind = 'lines', state = 'pending', range = range(1, 0, 2, 0), oldText = 'b\n', newText = 'B\n', baseStart = 1 } },
  })
  eq({ 'app.py — modified', 'a', 'b', 'c' }, rendered.lines)
  eq({ '2:-', '2:+ B', '2:[pending] 0:1' }, marks_of(rendered))
  eq({ ['0:1'] = 2 }, rendered.hunk_rows)
end)

case('inline: an insertion at the top hangs below the header; one at the end below the last line', function()
  local rendered = inline.build({
    path = 'u.py', op = 'modify', current = 'x\ny',
    hunks = {
      { id = 'top', kind = 'lines', state = 'pending', range = range(0, 0, 0, 0), oldText = '', newText = 'new1\nnew2\n' },
      { id = 'end', kind = 'lines', state = 'pending', range = range(1, 0, 1, 1), oldText = 'y', newText = 'y\nz' },
    },
  })
  eq({ 'u.py — modified', 'x', 'y' }, rendered.lines)
  eq({ '0:+ new1|+ new2', '0:[pending] top', '2:-', '2:+ y|+ z', '2:[pending] end' }, marks_of(rendered))
end)

case('inline: a new file is all virtual lines under its header', function()
  local rendered = inline.build({
    path = 'retry.py', op = 'create', current = vim.NIL, proposed = 'def retry(fn):\n    return fn()\n',
    hunks = { { id = '2:a', kind = 'file', state = 'pending', range = range(0, 0, 0, 0), oldText = '', newText = 'def retry(fn):\n    return fn()\n' } },
  })
  eq({ 'retry.py — new file (not on disk yet: every line below is proposed)' }, rendered.lines)
  eq({ '0:+ def retry(fn):|+     return fn()', '0:[pending] 2:a' }, marks_of(rendered))
end)

case('inline: a deleted file has every line removed', function()
  local rendered = inline.build({
    path = 'old.py', op = 'delete', current = 'p\nq\n',
    hunks = { { id = 'd', kind = 'file', state = 'pending', range = range(0, 0, 2, 0), oldText = 'p\nq\n', newText = '' } },
  })
  eq({ '1:-', '2:-', '1:[pending] d' }, marks_of(rendered))
end)

case('inline: a rename with an edit marks only the changed line', function()
  local rendered = inline.build({
    path = 'b.py', oldPath = 'a.py', op = 'rename', current = 'r\ns\nt\n',
    hunks = { { id = 'r', kind = 'file', state = 'pending', range = range(0, 0, 3, 0), oldText = 'r\ns\nt\n', newText = 'r\nS\nt\n' } },
  })
  eq('a.py → b.py — renamed', rendered.lines[1])
  eq({ '2:-', '2:+ S', '1:[pending] r' }, marks_of(rendered))
end)

case('inline: decided hunks leave no marks; a conflicted one shows its text and why', function()
  local rendered = inline.build({
    path = 'app.py', op = 'modify', current = 'a\nb\nc\n',
    hunks = {
      { id = 'done', kind = 'lines', state = 'applied', range = vim.NIL, oldText = 'x\n', newText = 'a\n', baseStart = 0 },
      { id = 'no', kind = 'lines', state = 'rejected', range = vim.NIL, oldText = 'c\n', newText = 'C\n', baseStart = 2 },
      { id = 'clash', kind = 'lines', state = 'conflicted', range = vim.NIL, oldText = 'b\n', newText = 'B1\nB2\n', baseStart = 1 },
    },
  })
  eq({
    '1:! [conflicted] clash — the lines it changes, or the lines right next to them, were edited since the proposal was made|+ B1|+ B2',
  }, marks_of(rendered))
end)

case('inline marks are accepted by nvim_buf_set_extmark', function()
  local rendered = inline.build({
    path = 'app.py', op = 'modify', current = 'a\nb\nc\n',
    hunks = {
      { id = '1', kind = 'lines', state = 'pending', range = range(1, 0, 2, 0), oldText = 'b\n', newText = 'B\n' },
      { id = '2', kind = 'lines', state = 'conflicted', range = vim.NIL, oldText = 'c\n', newText = 'C\n', baseStart = 2 },
    },
  })
  local buf = vim.api.nvim_create_buf(false, true)
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, rendered.lines)
  local ns = vim.api.nvim_create_namespace('t')
  for _, m in ipairs(rendered.marks) do
    vim.api.nvim_buf_set_extmark(buf, ns, m.row, m.col, m.opts)
  end
  eq(#rendered.marks, #vim.api.nvim_buf_get_extmarks(buf, ns, 0, -1, {}))
end)

-- the review listing --------------------------------------------------------------------
local listing = require('delegate.review.listing')

local PROPOSAL = {
  taskId = 't1', version = 1, summary = 'Friendlier greetings\nmore', counts = { pending = 3, applied = 1 },
  files = {
    { path = 'app.py', op = 'modify', current = 'a\n', hunks = {
      { id = '0:a', kind = 'lines', state = 'applied', range = vim.NIL, oldText = 'x\n', newText = 'return f"hi"\n', baseStart = 2 },
      { id = '0:b', kind = 'lines', state = 'pending', range = range(6, 0, 7, 0), oldText = 'y\n', newText = 'MESSAGE = 1\n', baseStart = 6 },
    } },
    { path = 'retry.py', op = 'create', current = vim.NIL, hunks = {
      { id = '1:c', kind = 'file', state = 'pending', range = range(0, 0, 0, 0), oldText = '', newText = 'def retry():\n    pass\n', baseStart = 0 },
    } },
    { path = 'b.py', oldPath = 'a.py', op = 'rename', current = 'k\n', hunks = {
      { id = '2:d', kind = 'file', state = 'conflicted', range = vim.NIL, oldText = 'k\n', newText = 'K\n', baseStart = 0 },
    } },
  },
}

case('listing: every file with its hunks, states and where they are', function()
  local view = listing.build(PROPOSAL, nil)
  eq({
    'Delegate: Friendlier greetings',
    'task t1 · version 1 · 4 hunks in 3 files · 3 pending, 1 applied',
    '',
    'M app.py  (modified, 2 hunks: 1 pending, 1 applied)',
    '  [applied]    was line 3   -1 +1  return f"hi"',
    '  [pending]    line 7       -1 +1  MESSAGE = 1',
    '',
    'A retry.py  (new file, 1 hunk: 1 pending)',
    '  [pending]    line 1       -0 +2  def retry():',
    '',
    'R a.py → b.py  (renamed, 1 hunk: 1 conflicted)',
    '  [conflicted] was line 1   -1 +1  K',
    '      proposed:',
    '      + K',
    '      why: the lines it changes, or the lines right next to them, were edited since the proposal was made',
    '      next: :Delegate revise {feedback}, :Delegate reject hunk',
  }, view.lines)
  eq({ 4, 5, 8, 11 }, view.hunk_rows)
  eq({ file = 1 }, view.rows[3])
  eq({ file = 3, hunk = 1 }, view.rows[14])
end)

case('listing: the key hint follows the keymaps; disabled keys are left out', function()
  local keys = vim.deepcopy(config.defaults.keymaps)
  keys.side_by_side = false
  eq({ ']h/[h next/previous · ga/gr accept/reject hunk · gA/gR file', 'gd side by side · gs summary · gv revise · R refresh · q close' },
    listing.key_hint(config.defaults.keymaps))
  keys.prev_hunk, keys.reject_file = false, false
  local view = listing.build(PROPOSAL, keys)
  eq(']h next · ga/gr accept/reject hunk · gA accept file', view.lines[3])
  eq('gs summary · gv revise · R refresh · q close', view.lines[4])
  eq('      next: gv to revise with feedback, gr to reject it', view.lines[#view.lines])
end)

case('conflict reasons per operation', function()
  eq('the file was created meanwhile with other text', listing.conflict_reason({ op = 'create' }, {}))
  eq('the file is gone already', listing.conflict_reason({ op = 'delete', current = vim.NIL }, {}))
  eq('the file to rename is gone', listing.conflict_reason({ op = 'rename', current = vim.NIL }, {}))
end)

-- summary -------------------------------------------------------------------------------
case('summary: task, plan, tests before and after, verdict, cost', function()
  local lines = require('delegate.review.summary').build({
    taskId = 't1', version = 2, summary = 'Did it', plan = '1. read\n2. edit', costUsd = 0.0123,
    testsBefore = { passed = false, summary = '1 failed, 3 passed', failures = { 'test_x - boom' } },
    testsAfter = { passed = true, summary = '4 passed' },
    verdict = { approved = true, notes = { 'small change' } }, traceId = vim.NIL, comment = '',
  }, { instruction = 'make it friendlier' })
  eq({
    'Task t1, version 2', '  make it friendlier',
    'Summary', '  Did it',
    'Plan', '  1. read', '  2. edit',
    'Tests before: FAILED — 1 failed, 3 passed',
    'Tests after:  passed — 4 passed',
    'Verifier:     approved', '  - small change',
    'Cost:         $0.0123',
  }, lines)
end)

-- notices -------------------------------------------------------------------------------
local notices = require('delegate.notices')
for _, row in ipairs({
  { { state = 'failed', errorKind = 'no_api_key', message = 'No API key: set ANTHROPIC_API_KEY or send delegate/setApiKey.' }, 'Delegate: no API key — :Delegate key' },
  { { state = 'failed', message = 'Failed: No API key: set ANTHROPIC_API_KEY or send delegate/setApiKey.' }, 'Delegate: no API key — :Delegate key' },
  { { state = 'failed', message = 'Anthropic API unavailable after 0 retries: Connection error.' },
    'Delegate: model unreachable (Anthropic API unavailable after 0 retries: Connection error) — check api.baseUrl and the network, :Delegate log' },
  { { state = 'failed', errorKind = 'budget', message = 'cost limit $1 reached' }, 'Delegate: cost limit $1 reached — raise the budget in the settings, or :Delegate revise' },
  { { state = 'failed', errorKind = 'nonsense', message = 'it broke' }, 'Delegate: it broke — :Delegate log' },
  { { state = 'failed' }, 'Delegate: the task failed — :Delegate log' },
}) do
  case('failure notice: ' .. row[2], function()
    eq(row[2], notices.failure(row[1]))
  end)
end

case('ready notice counts hunks and files', function()
  eq('Delegate: 3 hunks in 2 files — :Delegate review', notices.ready(3, 2))
  eq('Delegate: 1 hunk in 1 file — :Delegate review\nFix it', notices.ready(1, 1, 'Fix it'))
end)

case('progress line', function()
  eq('Delegate: indexing ws: 40% — 12/30 files', notices.progress('Delegate: indexing ws', { kind = 'report', percentage = 40, message = '12/30 files' }))
  eq('Delegate: fix — done', notices.progress('Delegate: fix', { kind = 'end', message = 'done', percentage = 100 }))
end)

-- progress notices: throttled per token, begin and end always shown -----------------------
case('progress reports are throttled per token; begin and end always show', function()
  config.set({ notify = { throttle_ms = 600000 } })
  local progress = require('delegate.progress')
  local shown = function() return #progress.history end
  local before = shown()
  progress.on_progress({ token = 'a', value = { kind = 'begin', title = 'Delegate: indexing ws', percentage = 0 } })
  progress.on_progress({ token = 'a', value = { kind = 'report', percentage = 10, message = '1/9' } })
  progress.on_progress({ token = 'b', value = { kind = 'begin', title = 'Delegate: fix it' } })
  progress.on_progress({ token = 'a', value = { kind = 'report', percentage = 20, message = '2/9' } })
  eq('indexing 20%', progress.indexing())
  progress.on_progress({ token = 'a', value = { kind = 'end', message = 'Indexed 9 files' } })
  eq(nil, progress.indexing())
  local messages = {}
  for i = before + 1, shown() do
    table.insert(messages, progress.history[i].message)
  end
  eq({ 'Delegate: indexing ws: 0%', 'Delegate: fix it', 'Delegate: indexing ws — Indexed 9 files' }, messages)
  config.set(nil)
end)

case('a failed task is told once; a proposal made before a restart is not "ready"', function()
  local progress = require('delegate.progress')
  local before = #progress.history
  local failed = { taskId = 't-fail', state = 'failed', message = 'Failed: No API key: set it.' }
  progress.on_task_changed({ taskId = 't-fail', state = 'running', phase = 'planning' }, nil)
  progress.on_task_changed(failed, nil)
  progress.on_task_changed(failed, nil)
  progress.on_task_changed({ taskId = 't-old', proposalVersion = 1, hunkStates = { applied = 1, pending = 2 }, openHunks = 2 }, nil)
  local messages = {}
  for i = before + 1, #progress.history do
    table.insert(messages, progress.history[i].message)
  end
  eq({ 'Delegate: no API key — :Delegate key' }, messages)
  eq(2, require('delegate.tasks').open_hunks())
end)

-- completion ----------------------------------------------------------------------------
local commands = require('delegate.commands')
case('completion: subcommands, then their arguments', function()
  eq({ 'reindex', 'reject', 'review', 'revise' }, commands.complete('re', 'Delegate re'))
  eq({ 'hunk', 'file', 'all' }, commands.complete('', 'Delegate accept '))
  eq({ 'file' }, commands.complete('f', "'<,'>Delegate reject f"))
  eq({}, commands.complete('', 'Delegate make it faster '))
end)

for _, failure in ipairs(failures) do
  io.stderr:write('FAIL ' .. failure .. '\n\n')
end
io.stdout:write(string.format('%d passed, %d failed\n', passed, #failures))
vim.cmd(#failures == 0 and 'qa!' or 'cq!')
