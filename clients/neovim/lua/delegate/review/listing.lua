--- The review buffer's text, as a pure function of a `delegate/proposal` answer.
---
--- One line per file (its operation, path and hunk states) and one per hunk (state, where
--- it sits now, how many lines it takes out and puts in, its first changed line). A
--- conflicted hunk also shows the text it proposes, why it conflicts, and what to do next.
--- `build` returns the lines, the highlights to place with extmarks, and what each line
--- stands for (`rows`), which the keymaps and the navigation read.
local text = require('delegate.review.text')

local M = {}

M.OPS = { modify = 'M', create = 'A', delete = 'D', rename = 'R' }
M.OP_WORDS = { modify = 'modified', create = 'new file', delete = 'deleted', rename = 'renamed' }
M.STATE_GROUPS = {
  pending = 'DelegatePending',
  accepted = 'DelegatePending',
  applied = 'DelegateApplied',
  rejected = 'DelegateRejected',
  conflicted = 'DelegateConflicted',
}

---@class delegate.Row
---@field file integer index into proposal.files
---@field hunk integer|nil index into the file's hunks

---@class delegate.Highlight
---@field row integer 0-based
---@field col integer 0-based byte column
---@field end_col integer
---@field group string

---@class delegate.Listing
---@field lines string[]
---@field highlights delegate.Highlight[]
---@field rows table<integer, delegate.Row> 0-based row → what it shows
---@field hunk_rows integer[] 0-based rows of the hunk lines, in order

--- Why a hunk cannot be applied as it is, in the user's words.
---@param file table a file of `delegate/proposal`
---@param hunk table
---@return string
function M.conflict_reason(file, hunk)
  local current = text.value(file.current)
  if file.op == 'create' then
    return 'the file was created meanwhile with other text'
  elseif file.op == 'delete' then
    return current and 'the file changed since the proposal was made; it is deleted only while unchanged'
      or 'the file is gone already'
  elseif file.op == 'rename' and not current then
    return 'the file to rename is gone'
  elseif hunk.detached then
    return 'another accepted change rewrote these lines'
  end
  return 'the lines it changes, or the lines right next to them, were edited since the proposal was made'
end

local function hunk_counts(file)
  local counts = {}
  for _, hunk in ipairs(file.hunks or {}) do
    counts[hunk.state] = (counts[hunk.state] or 0) + 1
  end
  local parts = {}
  for _, state in ipairs({ 'pending', 'accepted', 'conflicted', 'applied', 'rejected' }) do
    if counts[state] then
      table.insert(parts, string.format('%d %s', counts[state], state))
    end
  end
  return table.concat(parts, ', ')
end

--- Where a hunk is, for its line: "line 12" (1-based, in the current text), or the line of
--- the text it was made from when it has no place now.
local function where(hunk)
  local range = text.value(hunk.range)
  if range then
    return string.format('line %d', range.start.line + 1)
  end
  return string.format('was line %d', (hunk.baseStart or 0) + 1)
end

--- The keys, as the review's hint lines show them: pairs first ("]h/[h next/previous"),
--- then the single keys. Disabled keys are left out.
---@param keymaps table
---@return string[]
function M.key_hint(keymaps)
  local function pair(a, b, words)
    local keys = vim.tbl_filter(function(k) return k end, { keymaps[a], keymaps[b] })
    if #keys == 0 then
      return nil
    end
    return table.concat(keys, '/') .. ' ' .. (#keys == 2 and words[1] or (keymaps[a] and words[2] or words[3]))
  end
  local function single(name, words)
    return keymaps[name] and (keymaps[name] .. ' ' .. words) or nil
  end
  local function join(parts)
    return table.concat(vim.tbl_filter(function(p) return p end, parts), ' · ')
  end
  local moves = join({
    pair('next_hunk', 'prev_hunk', { 'next/previous', 'next', 'previous' }),
    pair('accept_hunk', 'reject_hunk', { 'accept/reject hunk', 'accept hunk', 'reject hunk' }),
    pair('accept_file', 'reject_file', { 'file', 'accept file', 'reject file' }),
  })
  local views = join({
    single('side_by_side', 'side by side'),
    single('summary', 'summary'),
    single('revise', 'revise'),
    single('refresh', 'refresh'),
    single('close', 'close'),
  })
  return vim.tbl_filter(function(line) return line ~= '' end, { moves, views })
end

---@param proposal table the answer to `delegate/proposal`
---@param keymaps table|nil the review keymaps, for the hint line (none when nil)
---@return delegate.Listing
function M.build(proposal, keymaps)
  local lines, highlights, rows, hunk_rows = {}, {}, {}, {}
  local function add(line, row_info, groups)
    table.insert(lines, line)
    local row = #lines - 1
    if row_info then
      rows[row] = row_info
    end
    for _, g in ipairs(groups or {}) do
      table.insert(highlights, { row = row, col = g[1], end_col = g[2] or #line, group = g[3] })
    end
    return row
  end
  local files = proposal.files or {}
  local total = 0
  for _, file in ipairs(files) do
    total = total + #(file.hunks or {})
  end
  local title = text.first_line(proposal.summary, 70)
  if title == '' then
    title = 'task ' .. tostring(proposal.taskId)
  end
  local head = string.format('Delegate: %s', title)
  add(head, nil, { { 0, nil, 'DelegateTitle' } })
  local counts = {}
  for _, state in ipairs({ 'pending', 'conflicted', 'applied', 'rejected' }) do
    local n = (proposal.counts or {})[state] or 0
    if n > 0 then
      table.insert(counts, string.format('%d %s', n, state))
    end
  end
  add(
    string.format(
      'task %s · version %s · %s in %s%s',
      tostring(proposal.taskId),
      tostring(proposal.version),
      text.count(total, 'hunk'),
      text.count(#files, 'file'),
      #counts > 0 and (' · ' .. table.concat(counts, ', ')) or ''
    ),
    nil,
    { { 0, nil, 'Comment' } }
  )
  for _, hint in ipairs(keymaps and M.key_hint(keymaps) or {}) do
    add(hint, nil, { { 0, nil, 'Comment' } })
  end
  for fi, file in ipairs(files) do
    add('')
    local op = M.OPS[file.op] or '?'
    local name = file.path
    if file.op == 'rename' and text.value(file.oldPath) then
      name = file.oldPath .. ' → ' .. file.path
    end
    local line = string.format('%s %s  (%s, %s: %s)', op, name, M.OP_WORDS[file.op] or file.op,
      text.count(#(file.hunks or {}), 'hunk'), hunk_counts(file))
    add(line, { file = fi }, { { 0, 1, 'DelegateOp' }, { 2, 2 + #name, 'DelegateFile' } })
    for hi, hunk in ipairs(file.hunks or {}) do
      local old_n, new_n = #text.lines(hunk.oldText), #text.lines(hunk.newText)
      local first = text.first_line(hunk.newText ~= '' and hunk.newText or hunk.oldText, 48)
      local state = string.format('[%s]', hunk.state)
      local body = string.format('  %-12s %-12s -%d +%d  %s', state, where(hunk), old_n, new_n, first)
      local row = add(body, { file = fi, hunk = hi }, {
        { 2, 2 + #state, M.STATE_GROUPS[hunk.state] or 'Comment' },
      })
      table.insert(hunk_rows, row)
      if hunk.state == 'conflicted' or (hunk.state == 'pending' and not text.value(hunk.range)) then
        local info = { file = fi, hunk = hi }
        add('      proposed:', info, { { 0, nil, 'DelegateConflicted' } })
        for _, proposed in ipairs(text.lines(hunk.newText)) do
          add('      + ' .. proposed, info, { { 6, nil, 'DelegateAdd' } })
        end
        if hunk.newText == '' then
          add('      (removes ' .. text.count(old_n, 'line') .. ')', info, { { 6, nil, 'DelegateDelete' } })
        end
        add('      why: ' .. M.conflict_reason(file, hunk), info, { { 6, 10, 'DelegateConflicted' } })
        local next_step = '      next: '
          .. ((keymaps and keymaps.revise) and (keymaps.revise .. ' to revise with feedback') or ':Delegate revise {feedback}')
          .. ', '
          .. ((keymaps and keymaps.reject_hunk) and (keymaps.reject_hunk .. ' to reject it') or ':Delegate reject hunk')
        add(next_step, info, { { 6, 11, 'DelegateConflicted' } })
      end
    end
  end
  return { lines = lines, highlights = highlights, rows = rows, hunk_rows = hunk_rows }
end

return M
