--- The review: a buffer listing every file of a proposal with its hunks and their states,
--- beside an inline diff of the file under the cursor, with buffer-local keys to move from
--- hunk to hunk and accept or reject each one (or a whole file), a side-by-side view and a
--- summary window.
---
--- Everything shown comes from `delegate/proposal`; nothing here opens the files of the
--- proposal (the texts come from the server, which reads the open buffer or the disk).
--- After each decision the proposal is fetched again and lenses are asked for again in the
--- buffers the server is attached to; the server republishes its diagnostics itself.
local client_mod = require('delegate.client')
local config = require('delegate.config')
local inline = require('delegate.review.inline')
local listing = require('delegate.review.listing')
local nav = require('delegate.review.nav')
local summary = require('delegate.review.summary')
local text = require('delegate.review.text')

local M = {}

local ns = vim.api.nvim_create_namespace('delegate.review')

---@class delegate.Review
---@field client vim.lsp.Client
---@field task_id string
---@field proposal table|nil
---@field view delegate.Listing|nil
---@field list_buf integer
---@field diff_buf integer
---@field list_win integer|nil
---@field diff_win integer|nil
---@field summary_win integer|nil
---@field summary_buf integer|nil
---@field shown_file integer|nil index of the file in the inline diff
---@field inline delegate.Inline|nil what the inline diff shows

---@type table<string, delegate.Review>
M.open_reviews = {}

local function define_highlights()
  local links = {
    DelegateDelete = 'DiffDelete',
    DelegateAdd = 'DiffAdd',
    DelegatePending = 'DiagnosticInfo',
    DelegateApplied = 'DiagnosticOk',
    DelegateRejected = 'Comment',
    DelegateConflicted = 'DiagnosticWarn',
    DelegateTitle = 'Title',
    DelegateFile = 'Directory',
    DelegateOp = 'Statement',
  }
  for group, target in pairs(links) do
    vim.api.nvim_set_hl(0, group, { link = target, default = true })
  end
end

local function notify(message, level)
  require('delegate.progress').notify(message, level)
end

local function scratch(name)
  local buf = vim.api.nvim_create_buf(false, true)
  vim.bo[buf].bufhidden = 'wipe'
  vim.bo[buf].swapfile = false
  pcall(vim.api.nvim_buf_set_name, buf, name)
  return buf
end

local function set_lines(buf, lines)
  vim.bo[buf].modifiable = true
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  vim.bo[buf].modifiable = false
  vim.bo[buf].modified = false
end

local function valid_win(win)
  return win and vim.api.nvim_win_is_valid(win)
end

--- The row (0-based) of the list window's cursor.
local function cursor_row(review)
  if valid_win(review.list_win) then
    return vim.api.nvim_win_get_cursor(review.list_win)[1] - 1
  end
  return 0
end

--- The file and hunk the list's cursor is on.
---@return table|nil file
---@return table|nil hunk
function M.at_cursor(review)
  local info = review.view and review.view.rows[cursor_row(review)]
  if not info or not review.proposal then
    return nil, nil
  end
  local file = review.proposal.files[info.file]
  return file, info.hunk and file.hunks[info.hunk] or nil
end

--- Show `file`'s inline diff in the diff buffer, scrolled to `hunk` when given.
local function show_file(review, file_index, hunk)
  local file = review.proposal.files[file_index]
  if not file then
    return
  end
  local rendered = inline.build(file)
  set_lines(review.diff_buf, rendered.lines)
  vim.api.nvim_buf_clear_namespace(review.diff_buf, ns, 0, -1)
  for _, mark in ipairs(rendered.marks) do
    vim.api.nvim_buf_set_extmark(review.diff_buf, ns, mark.row, mark.col, mark.opts)
  end
  local syntax = vim.filetype.match({ filename = file.path }) or ''
  if vim.bo[review.diff_buf].syntax ~= syntax then
    vim.bo[review.diff_buf].syntax = syntax
  end
  review.shown_file = file_index
  review.inline = rendered
  if valid_win(review.diff_win) then
    vim.wo[review.diff_win].winbar = string.format(' %s — inline diff (%s)', file.path, review.task_id)
    local row = hunk and rendered.hunk_rows[hunk.id] or 0
    vim.api.nvim_win_set_cursor(review.diff_win, { math.min(row + 1, #rendered.lines), 0 })
    vim.api.nvim_win_call(review.diff_win, function() vim.cmd('normal! zz') end)
  end
end

local function follow_cursor(review)
  local info = review.view and review.view.rows[cursor_row(review)]
  if not info then
    return
  end
  local file = review.proposal.files[info.file]
  show_file(review, info.file, info.hunk and file.hunks[info.hunk] or nil)
end

local function is_open_row(review)
  return function(row)
    local info = review.view.rows[row]
    local hunk = info and info.hunk and review.proposal.files[info.file].hunks[info.hunk]
    return hunk ~= nil and (hunk.state == 'pending' or hunk.state == 'conflicted')
  end
end

local function render(review, keep_row)
  local view = listing.build(review.proposal, config.get().keymaps)
  review.view = view
  set_lines(review.list_buf, view.lines)
  vim.api.nvim_buf_clear_namespace(review.list_buf, ns, 0, -1)
  for _, h in ipairs(view.highlights) do
    vim.api.nvim_buf_set_extmark(review.list_buf, ns, h.row, h.col, {
      end_row = h.row,
      end_col = math.min(h.end_col, #view.lines[h.row + 1]),
      hl_group = h.group,
    })
  end
  if valid_win(review.list_win) then
    local row = nav.first_open(view.hunk_rows, is_open_row(review), keep_row or 0) or 0
    vim.api.nvim_win_set_cursor(review.list_win, { row + 1, 0 })
  end
  follow_cursor(review)
  if valid_win(review.summary_win) then
    M.toggle_summary(review)
    M.toggle_summary(review)
  end
end

--- Fetch the proposal again and draw it; `row` is where the cursor goes from.
function M.refresh(review, row, done)
  client_mod.request(review.client, 'delegate/proposal', { taskId = review.task_id }, function(proposal)
    if not vim.api.nvim_buf_is_valid(review.list_buf) then
      return
    end
    review.proposal = proposal
    render(review, row)
    if done then
      done()
    end
  end)
end

--- After a decision: redraw the review and ask for lenses again. What did not apply (a
--- conflict, an edit the editor skipped) the server says itself with showMessage, and
--- the redrawn review shows it.
local function decided(review, row)
  return function()
    client_mod.refresh_lenses(review.client)
    M.refresh(review, row)
  end
end

--- Accept or reject the hunk under the cursor (`what` "hunk"), its file ("file") or the
--- whole proposal ("all").
---@param review delegate.Review
---@param verdict "accept"|"reject"
---@param what "hunk"|"file"|"all"
function M.decide(review, verdict, what)
  local file, hunk = M.at_cursor(review)
  local row = cursor_row(review)
  local command, argument
  if what == 'all' then
    command = verdict == 'accept' and 'delegate.acceptAll' or 'delegate.rejectAll'
    argument = { taskId = review.task_id }
  elseif what == 'file' then
    if not file then
      return notify('Delegate: put the cursor on a file or a hunk of the review', vim.log.levels.WARN)
    end
    command = verdict == 'accept' and 'delegate.acceptFile' or 'delegate.rejectFile'
    argument = { taskId = review.task_id, path = file.path }
  else
    if not hunk then
      return notify('Delegate: put the cursor on a hunk (]h goes to the next one)', vim.log.levels.WARN)
    end
    command = verdict == 'accept' and 'delegate.acceptHunk' or 'delegate.rejectHunk'
    argument = { taskId = review.task_id, path = file.path, hunkId = hunk.id }
  end
  client_mod.execute(review.client, command, argument, decided(review, row))
end

function M.move(review, step)
  if not review.view then
    return
  end
  local row = nav.step(review.view.hunk_rows, cursor_row(review), step)
  if row then
    vim.api.nvim_win_set_cursor(review.list_win, { row + 1, 0 })
    follow_cursor(review)
  end
end

--- Current and proposed text of the file under the cursor side by side, with :diffthis.
function M.side_by_side(review)
  local file = M.at_cursor(review)
  file = file or (review.shown_file and review.proposal.files[review.shown_file])
  if not file then
    return notify('Delegate: put the cursor on a file of the review', vim.log.levels.WARN)
  end
  local current, proposed = inline.sides(file)
  local syntax = vim.filetype.match({ filename = file.path }) or ''
  vim.cmd('tabnew')
  local left = scratch(string.format('delegate://current/%s/%s', review.task_id, file.path))
  vim.api.nvim_win_set_buf(0, left)
  set_lines(left, current)
  vim.bo[left].syntax = syntax
  vim.wo.winbar = ' current: ' .. (text.value(file.oldPath) or file.path)
  vim.cmd('diffthis')
  vim.cmd('rightbelow vsplit')
  local right = scratch(string.format('delegate://proposed/%s/%s', review.task_id, file.path))
  vim.api.nvim_win_set_buf(0, right)
  set_lines(right, proposed)
  vim.bo[right].syntax = syntax
  vim.wo.winbar = ' proposed: ' .. file.path .. ' (q closes)'
  vim.cmd('diffthis')
  for _, buf in ipairs({ left, right }) do
    vim.keymap.set('n', config.get().keymaps.close or 'q', '<cmd>tabclose<cr>', { buffer = buf, nowait = true })
  end
end

--- Open or close the summary window (a float over the list).
function M.toggle_summary(review)
  if valid_win(review.summary_win) then
    vim.api.nvim_win_close(review.summary_win, true)
    review.summary_win = nil
    return
  end
  local lines = summary.build(review.proposal, require('delegate.tasks').get(review.task_id))
  local buf = scratch('delegate://summary/' .. review.task_id)
  set_lines(buf, lines)
  local width = 20
  for _, line in ipairs(lines) do
    width = math.max(width, vim.fn.strdisplaywidth(line) + 2)
  end
  width = math.min(width, vim.o.columns - 4)
  review.summary_win = vim.api.nvim_open_win(buf, false, {
    relative = 'editor',
    row = 1,
    col = math.max(0, vim.o.columns - width - 2),
    width = width,
    height = math.min(#lines, vim.o.lines - 4),
    border = 'rounded',
    title = ' Delegate summary ',
    style = 'minimal',
  })
  review.summary_buf = buf
end

--- Ask for feedback (unless given) and start a revision of the proposal.
---@param client vim.lsp.Client
---@param task_id string
---@param feedback string|nil
function M.revise(client, task_id, feedback)
  local function send(comment)
    client_mod.execute(client, 'delegate.revise', { taskId = task_id, comment = comment }, function(result)
      notify(string.format('Delegate: revising %s (version %s follows)', task_id,
        tostring((tonumber(result and result.revising) or 0) + 1)))
    end)
  end
  if feedback and feedback ~= '' then
    return send(feedback)
  end
  vim.ui.input({ prompt = 'What should change? ' }, function(input)
    if input and vim.trim(input) ~= '' then
      send(vim.trim(input))
    end
  end)
end

function M.close(review)
  for _, win in ipairs({ review.summary_win, review.diff_win, review.list_win }) do
    if valid_win(win) and #vim.api.nvim_list_wins() > 1 then
      pcall(vim.api.nvim_win_close, win, true)
    end
  end
  for _, buf in ipairs({ review.list_buf, review.diff_buf }) do
    if vim.api.nvim_buf_is_valid(buf) then
      pcall(vim.api.nvim_buf_delete, buf, { force = true })
    end
  end
  M.open_reviews[review.task_id] = nil
end

local function map_keys(review)
  local keys = config.get().keymaps
  local function map(name, fn, desc)
    if keys[name] then
      vim.keymap.set('n', keys[name], fn, { buffer = review.list_buf, nowait = true, desc = 'Delegate: ' .. desc })
    end
  end
  map('next_hunk', function() M.move(review, 1) end, 'next hunk')
  map('prev_hunk', function() M.move(review, -1) end, 'previous hunk')
  map('accept_hunk', function() M.decide(review, 'accept', 'hunk') end, 'accept hunk')
  map('reject_hunk', function() M.decide(review, 'reject', 'hunk') end, 'reject hunk')
  map('accept_file', function() M.decide(review, 'accept', 'file') end, 'accept file')
  map('reject_file', function() M.decide(review, 'reject', 'file') end, 'reject file')
  map('side_by_side', function() M.side_by_side(review) end, 'side by side')
  map('summary', function() M.toggle_summary(review) end, 'summary')
  map('revise', function() M.revise(review.client, review.task_id) end, 'revise')
  map('refresh', function() M.refresh(review, cursor_row(review)) end, 'refresh')
  map('close', function() M.close(review) end, 'close')
end

local function layout(review)
  local options = config.get().review
  if options.layout == 'tab' then
    vim.cmd('tabnew')
  elseif options.layout == 'horizontal' then
    vim.cmd('split')
  else
    vim.cmd('vsplit')
  end
  review.diff_win = vim.api.nvim_get_current_win()
  vim.api.nvim_win_set_buf(review.diff_win, review.diff_buf)
  if options.layout == 'horizontal' then
    vim.cmd('aboveleft split')
  else
    vim.cmd('topleft vsplit')
    -- wide enough for the hunk lines, up to half the screen
    local longest = 0
    for _, line in ipairs(listing.build(review.proposal, config.get().keymaps).lines) do
      longest = math.max(longest, vim.fn.strdisplaywidth(line))
    end
    local width = math.max(options.list_width, math.min(longest + 1, math.floor(vim.o.columns / 2)))
    vim.api.nvim_win_set_width(0, width)
  end
  review.list_win = vim.api.nvim_get_current_win()
  vim.api.nvim_win_set_buf(review.list_win, review.list_buf)
  for _, win in ipairs({ review.list_win, review.diff_win }) do
    vim.wo[win].wrap = false
    vim.wo[win].number = false
    vim.wo[win].signcolumn = 'auto'
  end
  vim.wo[review.list_win].cursorline = true
end

--- Open the review of `task_id` (or of the only proposal with open hunks, or pick one).
---@param client vim.lsp.Client
---@param task_id string|nil
---@param done fun(review: delegate.Review)|nil called once it is drawn
function M.open(client, task_id, done)
  define_highlights()
  if not task_id or task_id == '' then
    return client_mod.request(client, 'delegate/proposals', {}, function(result)
      local proposals = (result or {}).proposals or {}
      if #proposals == 0 then
        return notify('Delegate: no proposal is waiting for review')
      elseif #proposals == 1 then
        return M.open(client, proposals[1].taskId, done)
      end
      vim.ui.select(proposals, {
        prompt = 'Review which proposal?',
        format_item = function(p)
          return string.format('%s — %s (%d open)', p.taskId, text.first_line(p.summary, 60), p.openHunks or 0)
        end,
      }, function(choice)
        if choice then
          M.open(client, choice.taskId, done)
        end
      end)
    end)
  end
  local existing = M.open_reviews[task_id]
  if existing and vim.api.nvim_buf_is_valid(existing.list_buf) then
    M.close(existing)
  end
  local review = {
    client = client,
    task_id = task_id,
    list_buf = scratch('delegate://review/' .. task_id),
    diff_buf = scratch('delegate://inline/' .. task_id),
  }
  vim.bo[review.list_buf].filetype = 'delegate-review'
  M.open_reviews[task_id] = review
  client_mod.request(client, 'delegate/proposal', { taskId = task_id }, function(proposal)
    review.proposal = proposal
    layout(review)
    map_keys(review)
    vim.api.nvim_create_autocmd('CursorMoved', {
      buffer = review.list_buf,
      callback = function() follow_cursor(review) end,
    })
    vim.api.nvim_create_autocmd('BufWipeout', {
      buffer = review.list_buf,
      callback = function()
        if M.open_reviews[task_id] == review then
          M.open_reviews[task_id] = nil
        end
      end,
    })
    render(review, 0)
    if done then
      done(review)
    end
  end)
end

--- The server says `task_id`'s proposal changed (a decision made elsewhere, a revision):
--- redraw its review if one is open.
---@param task_id string
function M.proposal_changed(task_id)
  local review = M.open_reviews[task_id]
  if review and review.proposal and vim.api.nvim_buf_is_valid(review.list_buf) then
    M.refresh(review, cursor_row(review))
  end
end

--- The review whose list buffer is `bufnr`, if any.
---@param bufnr integer
---@return delegate.Review|nil
function M.for_buffer(bufnr)
  for _, review in pairs(M.open_reviews) do
    if review.list_buf == bufnr or review.diff_buf == bufnr then
      return review
    end
  end
  return nil
end

return M
