-- A first task with the Delegate plugin, played as a user would, in a real Neovim with the
-- real server (the model is the fake Messages API, scripted by test_plugin_walkthrough.py).
--
--   nvim --headless -u plugin_init.lua -n -i NONE -l plugin_walkthrough.lua <folder> <out.json> <captures dir>
--
-- Select greet() (a visual range), `:'<,'>Delegate …`, see the progress and "proposal
-- ready" notices, `:Delegate review`, look at every file (the new file's text in the
-- inline diff), accept a hunk (ga), type in the buffer, reject another (gr), accept the
-- new file (gA), make a hunk conflict by editing its lines and try it (ga), write
-- everything, then `:Delegate tests` on shout() and `:checkhealth delegate`. What it saw
-- goes to out.json and text captures to the captures dir; the pytest side asserts.
local folder, out_path, captures = arg[1], arg[2], arg[3]
local S = dofile(vim.fs.joinpath(vim.fs.dirname(debug.getinfo(1, 'S').source:sub(2)), 'plugin_screens.lua'))
local report = { steps = {} }

local function step(name, data)
  data.name = name
  table.insert(report.steps, data)
  return data
end

local function lines(buf)
  return vim.api.nvim_buf_get_lines(buf, 0, -1, true)
end

local function press(keys)
  vim.api.nvim_feedkeys(vim.api.nvim_replace_termcodes(keys, true, false, true), 'x', false)
end

local function delegate_diagnostics(buf)
  local found = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    if d.source == 'delegate' then
      table.insert(found, d.lnum)
    end
  end
  table.sort(found)
  return found
end

local function lens_titles(buf)
  local titles = {}
  for _, lens in ipairs(vim.lsp.codelens.get(buf)) do
    if lens.command then
      table.insert(titles, lens.range.start.line .. ' ' .. lens.command.title)
    end
  end
  table.sort(titles)
  return titles
end

local function hunk(review, path, index)
  for _, file in ipairs(review.proposal.files) do
    if file.path == path then
      return file.hunks[index]
    end
  end
end

--- Move the review's cursor with ]h until it is on hunk `index` of `path`.
local function go_to(review, path, index)
  local want = hunk(review, path, index)
  for _ = 1, 20 do
    local file, h = require('delegate.review').at_cursor(review)
    if file and h and file.path == path and h.id == want.id then
      return
    end
    press(']h')
  end
  error('could not reach hunk ' .. index .. ' of ' .. path)
end

local function state_of(review, path, index)
  return hunk(review, path, index).state
end

local function walkthrough()
  local greet, client = S.open_attached(folder .. '/greet.py')
  report.experimental = client.capabilities.experimental
  report.server_pids = vim.api.nvim_get_proc_children(vim.fn.getpid())

  -- the user selects greet() and delegates a task on it
  local start_line = vim.fn.search('^def greet')
  vim.api.nvim_win_set_cursor(0, { start_line, 0 })
  press('Vj<Esc>')
  local before = S.last_notice()
  vim.cmd("'<,'>Delegate make the greetings friendlier and add a retry helper")
  S.wait_for('the task to start', function() return S.notice('Delegate: started', before) end)
  S.wait_for('the task progress notice', function() return S.notice('Delegate: make the greetings', before) end)
  S.wait_for('the proposal ready notice', function() return S.notice(':Delegate review', before) end)
  local record = client:request_sync('delegate/tasks', {}, 5000).result.tasks[1]
  step('ready', {
    ready = S.notice(':Delegate review', before).message,
    progress = S.notice('Delegate: make the greetings', before).message,
    task = record,
    focus = { start_line, start_line + 1 },
    diagnostics = delegate_diagnostics(greet),
  })

  -- the review: every file listed, none of them opened
  vim.cmd('Delegate review')
  local reviews = require('delegate.review').open_reviews
  local review
  S.wait_for('the review', function()
    review = reviews[record.taskId]
    return review ~= nil and review.view ~= nil
  end)
  local loaded = {}
  for _, b in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(b) and vim.api.nvim_buf_get_name(b) ~= '' then
      table.insert(loaded, vim.fs.basename(vim.api.nvim_buf_get_name(b)))
    end
  end
  step('review', {
    list = S.capture(captures, '01-review', S.render(review.list_buf)),
    inline = S.capture(captures, '02-inline-greet', S.render(review.diff_buf)),
    loaded = loaded,
    list_is_current = vim.api.nvim_get_current_buf() == review.list_buf,
  })

  -- current and proposed side by side (gd), closed again with q
  press('gd')
  local sides = {}
  for _, win in ipairs(vim.api.nvim_tabpage_list_wins(0)) do
    local b = vim.api.nvim_win_get_buf(win)
    table.insert(sides, { name = vim.api.nvim_buf_get_name(b), diff = vim.wo[win].diff, lines = lines(b) })
  end
  S.capture(captures, '02b-side-by-side', vim.list_extend(vim.list_extend({}, sides[1].lines), { '-----', unpack(sides[2].lines) }))
  press('q')
  step('side by side', { sides = sides, back = vim.api.nvim_get_current_buf() == review.list_buf })

  -- the new file under the cursor: its text in the inline diff
  go_to(review, 'retry.py', 1)
  step('created file', { inline = S.capture(captures, '03-inline-retry', S.render(review.diff_buf)) })
  press('gs')
  step('summary', { summary = S.capture(captures, '04-summary', lines(review.summary_buf)) })
  press('gs')

  -- accept the first hunk of greet.py
  go_to(review, 'greet.py', 1)
  press('ga')
  S.wait_for('hunk 1 of greet.py to be applied', function() return state_of(review, 'greet.py', 1) == 'applied' end)
  S.wait_for('the lenses to follow', function()
    return vim.tbl_contains(lens_titles(greet), '0 Accept file (1 hunk)')
  end)
  S.wait_for('one delegate diagnostic left in greet.py', function() return #delegate_diagnostics(greet) == 1 end)
  step('accepted hunk', {
    greet = lines(greet),
    lenses = lens_titles(greet),
    diagnostics = delegate_diagnostics(greet),
    list = S.capture(captures, '05-review-after-accept', S.render(review.list_buf)),
  })

  -- the user types in greet.py meanwhile
  vim.api.nvim_buf_set_lines(greet, -1, -1, true, { '# typed during the review' })

  -- reject the hunk of util.py (never opened)
  go_to(review, 'util.py', 1)
  press('gr')
  S.wait_for('util.py to be rejected', function() return state_of(review, 'util.py', 1) == 'rejected' end)

  -- accept the new file
  go_to(review, 'retry.py', 1)
  press('gA')
  S.wait_for('retry.py to be created', function() return state_of(review, 'retry.py', 1) == 'applied' end)
  local retry = vim.fn.bufnr(folder .. '/retry.py')

  -- edit the lines of the other hunk of greet.py, then try to accept it: a conflict
  local shout_row = vim.fn.match(lines(greet), 'upper')
  vim.api.nvim_buf_set_lines(greet, shout_row, shout_row + 1, true, { '    return greet(name).upper() + "!!"  # mine' })
  go_to(review, 'greet.py', 2)
  press('ga')
  S.wait_for('the conflict', function() return state_of(review, 'greet.py', 2) == 'conflicted' end)
  step('conflict', {
    list = S.capture(captures, '06-review-conflict', S.render(review.list_buf)),
    inline = S.capture(captures, '07-inline-conflict', S.render(review.diff_buf)),
    lenses = lens_titles(greet),
  })

  -- revise it with feedback (gv): the revision is the proposal's version 2
  local asked = {}
  vim.ui.input = function(opts, on_confirm)
    table.insert(asked, opts.prompt)
    on_confirm('keep my exclamation marks, drop the comment')
  end
  before = S.last_notice()
  press('gv')
  S.wait_for('the revision', function() return review.proposal.version == 2 end)
  step('revised', {
    asked = asked,
    notice = S.notice('Delegate: revising', before).message,
    list = S.capture(captures, '08-review-revised', S.render(review.list_buf)),
  })

  vim.cmd('silent wall')
  local buffers = { ['greet.py'] = lines(greet) }
  if retry ~= -1 then
    buffers['retry.py'] = lines(retry)
  end
  step('written', { buffers = buffers, util_loaded = vim.fn.bufloaded(folder .. '/util.py') == 1 })

  -- close the review (q) and generate tests for shout()
  press('q')
  step('closed', { reviews = vim.tbl_count(reviews), current = vim.api.nvim_buf_get_name(0) })
  vim.api.nvim_set_current_buf(greet)
  vim.api.nvim_win_set_cursor(0, { vim.fn.search('^def shout') + 1, 4 })
  before = S.last_notice()
  vim.cmd('Delegate tests')
  S.wait_for('the tests proposal', function() return S.notice(':Delegate review', before) end, 120000)
  local tests_task
  for _, t in ipairs(client:request_sync('delegate/tasks', {}, 5000).result.tasks) do
    if t.kind == 'tests' then
      tests_task = t
    end
  end
  step('tests', { task = tests_task, ready = S.notice(':Delegate review', before).message })

  -- :checkhealth delegate
  vim.cmd('checkhealth delegate')
  step('health', { lines = S.capture(captures, '09-checkhealth', lines(0)) })
end

S.run(walkthrough, report, out_path)
