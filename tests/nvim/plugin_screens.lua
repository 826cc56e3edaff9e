-- Text captures of what a Delegate review shows, for the plugin's end-to-end tests: a
-- buffer's lines with its extmarks drawn the way Neovim draws them — highlighted lines
-- marked "-" or with their highlight group, virtual lines under their line, end-of-line
-- virtual text after it — and the helpers the drivers share (waiting, reports).
local M = {}

M.TIMEOUT_MS = 60000

function M.wait_for(what, condition, timeout)
  if not vim.wait(timeout or M.TIMEOUT_MS, condition, 25) then
    error('timed out waiting for ' .. what, 2)
  end
end

--- Open `path` and wait for the Delegate client to attach to it; returns buffer and client.
function M.open_attached(path)
  vim.cmd.edit(vim.fn.fnameescape(path))
  local buf = vim.api.nvim_get_current_buf()
  local client
  M.wait_for('the delegate client to attach', function()
    client = require('delegate.client').get(buf)
    return client ~= nil and client.initialized
  end)
  return buf, client
end

--- `buf` as text: one line per buffer line ("|" gutter; "-" for lines highlighted as
--- removed), virtual lines under their line ("┆" gutter), end-of-line virtual text
--- right after the line.
---@param buf integer
---@return string[]
function M.render(buf)
  local lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
  local below, eol, removed, groups = {}, {}, {}, {}
  for _, mark in ipairs(vim.api.nvim_buf_get_extmarks(buf, -1, 0, -1, { details = true })) do
    local row, details = mark[2], mark[4]
    if details.virt_lines then
      below[row] = below[row] or {}
      for _, chunks in ipairs(details.virt_lines) do
        local text = {}
        for _, chunk in ipairs(chunks) do
          table.insert(text, chunk[1])
        end
        table.insert(below[row], table.concat(text))
      end
    end
    if details.virt_text then
      local text = {}
      for _, chunk in ipairs(details.virt_text) do
        table.insert(text, chunk[1])
      end
      eol[row] = (eol[row] or '') .. table.concat(text)
    end
    if details.line_hl_group == 'DelegateDelete' then
      removed[row] = true
    end
    if details.hl_group and details.hl_group ~= '' then
      groups[row] = groups[row] or {}
      groups[row][details.hl_group] = true
    end
  end
  local out = {}
  for i, line in ipairs(lines) do
    local row = i - 1
    local gutter = removed[row] and '-|' or ' |'
    local text = gutter .. line .. (eol[row] or '')
    table.insert(out, text)
    for _, virtual in ipairs(below[row] or {}) do
      table.insert(out, ' ┆' .. virtual)
    end
  end
  return out
end

--- Write `lines` to `<dir>/<name>.txt` (beside the test's output) and return them.
function M.capture(dir, name, lines)
  local file = assert(io.open(dir .. '/' .. name .. '.txt', 'w'))
  file:write(table.concat(lines, '\n') .. '\n')
  file:close()
  return lines
end

--- Run `fn` and write `report` as JSON to `out_path` (with the error when `fn` failed),
--- then quit Neovim.
function M.run(fn, report, out_path)
  local ok, err = xpcall(fn, debug.traceback)
  if not ok then
    report.error = err
  end
  report.messages = vim.api.nvim_exec2('messages', { output = true }).output
  local progress = package.loaded['delegate.progress']
  report.notices = {}
  for _, n in ipairs(progress and progress.history or {}) do
    table.insert(report.notices, n.message)
  end
  local file = assert(io.open(out_path, 'w'))
  file:write(vim.json.encode(report))
  file:close()
  vim.cmd('qa!')
end

--- The first notice numbered after `after` (0: any) that contains `text`, or nil.
function M.notice(text, after)
  for _, n in ipairs(require('delegate.progress').history) do
    if n.seq > (after or 0) and n.message:find(text, 1, true) then
      return n
    end
  end
  return nil
end

--- The number of the latest notice so far (0 when none).
function M.last_notice()
  local history = require('delegate.progress').history
  return #history > 0 and history[#history].seq or 0
end

return M
