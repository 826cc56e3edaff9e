--- Small pure helpers shared by the review renderers: splitting texts into lines the way
--- Neovim shows them, and reading JSON values that may be `vim.NIL`.
local M = {}

--- `value`, or nil when it is nil or JSON null.
function M.value(value)
  if value == vim.NIL then
    return nil
  end
  return value
end

--- The lines of `text` as a buffer holds them: terminators (\n, \r\n, \r) dropped, no
--- empty line for a final terminator. nil or "" is no lines.
---@param text string|nil
---@return string[]
function M.lines(text)
  text = M.value(text)
  if not text or text == '' then
    return {}
  end
  local lines = vim.split(text:gsub('\r\n', '\n'):gsub('\r', '\n'), '\n', { plain = true })
  if lines[#lines] == '' then
    table.remove(lines)
  end
  return lines
end

--- The first non-blank line of `text`, cut to `width` display cells.
---@param text string|nil
---@param width integer
---@return string
function M.first_line(text, width)
  for _, line in ipairs(M.lines(text)) do
    local trimmed = vim.trim(line)
    if trimmed ~= '' then
      if vim.fn.strdisplaywidth(trimmed) > width then
        trimmed = vim.fn.strcharpart(trimmed, 0, width - 1) .. '…'
      end
      return trimmed
    end
  end
  return ''
end

--- "1 hunk", "3 files".
function M.count(n, word)
  return string.format('%d %s%s', n, word, n == 1 and '' or 's')
end

return M
