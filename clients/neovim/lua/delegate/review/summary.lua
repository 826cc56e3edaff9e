--- The summary window's text, as a pure function of a `delegate/proposal` answer: the
--- task, its plan, the tests before and after, the verifier's verdict and the cost.
local text = require('delegate.review.text')

local M = {}

local function tests_line(report)
  report = text.value(report)
  if type(report) ~= 'table' then
    return 'not run (no test command found)'
  end
  local verdict = report.passed and 'passed' or 'FAILED'
  local summary = text.value(report.summary) or ''
  return string.format('%s — %s', verdict, summary)
end

--- Lines of the summary of `proposal`; `task` (a known task record) adds its instruction.
---@param proposal table
---@param task table|nil
---@return string[]
function M.build(proposal, task)
  local lines = {}
  local function section(title, body)
    table.insert(lines, title)
    local body_lines = text.lines(body)
    if #body_lines == 0 then
      body_lines = { '(none)' }
    end
    for _, line in ipairs(body_lines) do
      table.insert(lines, '  ' .. line)
    end
  end
  local instruction = task and text.value(task.instruction)
  table.insert(lines, string.format('Task %s, version %s', tostring(proposal.taskId), tostring(proposal.version)))
  if instruction then
    table.insert(lines, '  ' .. instruction)
  end
  section('Summary', text.value(proposal.summary))
  section('Plan', type(text.value(proposal.plan)) == 'string' and proposal.plan or nil)
  table.insert(lines, 'Tests before: ' .. tests_line(proposal.testsBefore))
  table.insert(lines, 'Tests after:  ' .. tests_line(proposal.testsAfter))
  local after = text.value(proposal.testsAfter)
  if type(after) == 'table' and not after.passed then
    for _, failure in ipairs(text.value(after.failures) or {}) do
      table.insert(lines, '  ' .. (text.lines(failure)[1] or ''))
    end
  end
  local verdict = text.value(proposal.verdict)
  if type(verdict) == 'table' and verdict.approved ~= nil then
    table.insert(lines, 'Verifier:     ' .. (verdict.approved and 'approved' or 'NOT approved'))
    for _, note in ipairs(text.value(verdict.notes) or {}) do
      table.insert(lines, '  - ' .. tostring(note))
    end
  else
    table.insert(lines, 'Verifier:     no verdict')
  end
  table.insert(lines, string.format('Cost:         $%.4f', tonumber(text.value(proposal.costUsd)) or 0))
  local comment = text.value(proposal.comment)
  if comment and comment ~= '' then
    section('Your feedback', comment)
  end
  local trace = text.value(proposal.traceId)
  if trace then
    table.insert(lines, 'Trace:        ' .. trace)
  end
  return lines
end

return M
