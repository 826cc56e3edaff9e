--- Hunk navigation as pure functions of the rows the hunks are shown on.
local M = {}

--- The row of the next (`step` 1) or previous (`step` -1) hunk from `row`, wrapping
--- around the ends; nil when there are no hunks.
---@param hunk_rows integer[] ascending rows
---@param row integer the cursor's row (same base as `hunk_rows`)
---@param step 1|-1
---@return integer|nil
function M.step(hunk_rows, row, step)
  if #hunk_rows == 0 then
    return nil
  end
  if step > 0 then
    for _, r in ipairs(hunk_rows) do
      if r > row then
        return r
      end
    end
    return hunk_rows[1]
  end
  for i = #hunk_rows, 1, -1 do
    if hunk_rows[i] < row then
      return hunk_rows[i]
    end
  end
  return hunk_rows[#hunk_rows]
end

--- The row of the first hunk whose state is open (pending or conflicted) at or after
--- `row`, else the first open one, else the first hunk at all.
---@param hunk_rows integer[]
---@param is_open fun(row: integer): boolean
---@param row integer
---@return integer|nil
function M.first_open(hunk_rows, is_open, row)
  for _, r in ipairs(hunk_rows) do
    if r >= row and is_open(r) then
      return r
    end
  end
  for _, r in ipairs(hunk_rows) do
    if is_open(r) then
      return r
    end
  end
  return hunk_rows[1]
end

return M
