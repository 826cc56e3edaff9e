-- `:Delegate review|accept|reject` in ordinary buffers, with two proposals waiting (seeded
-- by test_plugin_commands.py): the review asks which one; `:Delegate reject file` and
-- `:Delegate accept all` act on the proposal of the hunk under the cursor.
--
--   nvim --headless -u plugin_init.lua -n -i NONE -l plugin_commands.lua <folder> <out.json> <captures dir>
local folder, out_path, captures = arg[1], arg[2], arg[3]
local S = dofile(vim.fs.joinpath(vim.fs.dirname(debug.getinfo(1, 'S').source:sub(2)), 'plugin_screens.lua'))
local report = { steps = {} }

local function delegate_diagnostics(buf)
  return vim.tbl_filter(function(d) return d.source == 'delegate' end, vim.diagnostic.get(buf))
end

local function commands()
  local greet, client = S.open_attached(folder .. '/greet.py')
  S.wait_for('the review diagnostics', function() return #delegate_diagnostics(greet) == 2 end)

  -- two proposals: the review asks which
  local offered
  vim.ui.select = function(items, opts, on_choice)
    offered = vim.tbl_map(opts.format_item, items)
    for _, item in ipairs(items) do
      if item.taskId == 'second' then
        return on_choice(item)
      end
    end
  end
  vim.cmd('Delegate review')
  local review
  S.wait_for('the review of the second proposal', function()
    review = require('delegate.review').open_reviews.second
    return review ~= nil and review.view ~= nil
  end)
  table.insert(report.steps, { name = 'picked', offered = offered, list = S.capture(captures, 'second', S.render(review.list_buf)) })
  vim.cmd('Delegate reject all')
  S.wait_for('the second proposal to be rejected', function() return review.proposal.counts.rejected == 1 end)
  vim.cmd('tabclose')

  -- back in greet.py: reject the file of the hunk under the cursor, then accept all
  vim.api.nvim_set_current_buf(greet)
  local first = delegate_diagnostics(greet)[1]
  vim.api.nvim_win_set_cursor(0, { first.lnum + 1, 0 })
  vim.cmd('Delegate reject file')
  S.wait_for('greet.py to have no pending hunk', function() return #delegate_diagnostics(greet) == 0 end)
  vim.cmd('Delegate accept all')
  local util = folder .. '/util.py'
  S.wait_for('util.py to be edited', function()
    local buf = vim.fn.bufnr(util)
    return buf ~= -1 and vim.api.nvim_buf_is_loaded(buf)
      and vim.tbl_contains(vim.api.nvim_buf_get_lines(buf, 0, -1, false), 'def mul(a, b):')
  end)
  vim.cmd('silent wall')
  local answer = client:request_sync('delegate/proposals', { all = true }, 5000).result
  table.insert(report.steps, { name = 'decided', proposals = answer.proposals, greet = vim.api.nvim_buf_get_lines(greet, 0, -1, false) })
end

S.run(commands, report, out_path)
