--- The inline diff of one file of a proposal, as a pure function: the file's current text
--- (what the user has now) as lines, with extmarks that mark each open hunk — its removed
--- lines highlighted, its proposed lines as highlighted virtual lines below them — and a
--- label with the hunk's state. A new file has no current text: all of it is virtual lines.
---
--- Row 0 is a header line (what the file is), so virtual lines can always hang below a
--- real line: Neovim does not show virtual lines above the first line of a window.
local text = require('delegate.review.text')
local listing = require('delegate.review.listing')

local M = {}

---@class delegate.Mark
---@field row integer 0-based buffer row
---@field col integer
---@field opts table the options of nvim_buf_set_extmark

---@class delegate.Inline
---@field lines string[]
---@field marks delegate.Mark[]
---@field hunk_rows table<string, integer> hunk id → the row its change starts at

M.HEADER_ROWS = 1

--- Current-text rows `[first, last)` a hunk covers now (0-based, before the header), or nil.
---@param hunk table
---@param line_count integer
---@return integer|nil first
---@return integer|nil last
function M.region(hunk, line_count)
  local range = text.value(hunk.range)
  if not range then
    return nil, nil
  end
  local first, last = range.start.line, range['end'].line
  if range['end'].character > 0 then
    last = last + 1 -- a range that ends inside a line (a file without a final newline)
  end
  first = math.min(first, line_count)
  return first, math.max(first, math.min(last, line_count))
end

local function virt(lines, prefix, group)
  local out = {}
  for _, line in ipairs(lines) do
    table.insert(out, { { prefix .. line, group } })
  end
  return out
end

--- Mark the lines of a change inside `[first, last)`: rows that go are highlighted, rows
--- that come are virtual lines. `old` and `new` are the hunk's texts; for a whole-file hunk
--- (a rename with edits) a line diff of the two places each change precisely.
local function mark_change(marks, first, last, old, new, fine)
  local function removed(r0, r1)
    for r = r0, r1 - 1 do
      table.insert(marks, {
        row = r + M.HEADER_ROWS,
        col = 0,
        opts = { line_hl_group = 'DelegateDelete', sign_text = '-', sign_hl_group = 'DelegateDelete' },
      })
    end
  end
  local function added(after, lines)
    if #lines == 0 then
      return
    end
    -- virtual lines hang below the row before `after` (the header when it is the first)
    table.insert(marks, {
      row = after - 1 + M.HEADER_ROWS,
      col = 0,
      opts = { virt_lines = virt(lines, '+ ', 'DelegateAdd') },
    })
  end
  if not fine then
    removed(first, last)
    added(last, new)
    return
  end
  local old_text = table.concat(old, '\n') .. '\n'
  local new_text = table.concat(new, '\n') .. '\n'
  local pieces = vim.diff(old_text, new_text, { result_type = 'indices' }) or {}
  for _, piece in ipairs(pieces) do
    local a_start, a_count, b_start, b_count = piece[1], piece[2], piece[3], piece[4]
    local gone_from = first + (a_count > 0 and a_start - 1 or a_start)
    removed(gone_from, gone_from + a_count)
    added(gone_from + a_count, b_count > 0 and vim.list_slice(new, b_start, b_start + b_count - 1) or {})
  end
end

--- The inline diff of `file` (one entry of `delegate/proposal`'s `files`).
---@param file table
---@return delegate.Inline
function M.build(file)
  local current = text.value(file.current)
  local body = text.lines(current)
  local words = listing.OP_WORDS[file.op] or file.op
  local header = string.format('%s — %s', file.path, words)
  if file.op == 'rename' and text.value(file.oldPath) then
    header = string.format('%s → %s — renamed', file.oldPath, file.path)
  end
  if current == nil then
    header = header .. ' (not on disk yet: every line below is proposed)'
  end
  local lines = { header }
  vim.list_extend(lines, body)
  local marks = {
    { row = 0, col = 0, opts = { line_hl_group = 'DelegateTitle' } },
  }
  local hunk_rows = {}
  for _, hunk in ipairs(file.hunks or {}) do
    local first, last = M.region(hunk, #body)
    local label = { { string.format('  [%s] %s', hunk.state, hunk.id), listing.STATE_GROUPS[hunk.state] or 'Comment' } }
    if first then
      local old, new = text.lines(hunk.oldText), text.lines(hunk.newText)
      local fine = hunk.kind == 'file' and file.op == 'rename'
      mark_change(marks, first, last, old, new, fine)
      local label_row = (last > first and first or first - 1) + M.HEADER_ROWS
      table.insert(marks, { row = label_row, col = 0, opts = { virt_text = label, virt_text_pos = 'eol' } })
      hunk_rows[hunk.id] = label_row
    elseif hunk.state == 'conflicted' or hunk.state == 'pending' then
      -- no place in the current text: show what it proposes near where it was
      local at = math.min(hunk.baseStart or 0, #body)
      local shown = { { { string.format('! [%s] %s — %s', hunk.state, hunk.id, listing.conflict_reason(file, hunk)), 'DelegateConflicted' } } }
      vim.list_extend(shown, virt(text.lines(hunk.newText), '+ ', 'DelegateAdd'))
      table.insert(marks, { row = at - 1 + M.HEADER_ROWS, col = 0, opts = { virt_lines = shown } })
      hunk_rows[hunk.id] = at - 1 + M.HEADER_ROWS
    end
  end
  return { lines = lines, marks = marks, hunk_rows = hunk_rows }
end

--- The proposed text of `file` and the text it replaces, for the side-by-side view.
---@param file table
---@return string[] current lines (empty for a new file)
---@return string[] proposed lines (empty for a deleted file)
function M.sides(file)
  return text.lines(file.current), text.lines(file.proposed)
end

return M
