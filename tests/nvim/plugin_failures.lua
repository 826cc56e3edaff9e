-- Tasks that cannot run, with the Delegate plugin in a real Neovim: no API key, then a
-- model that cannot be reached (test_plugin_failures.py points the server at a closed
-- port). Each must end with a notice naming the cause and the next step. On the way:
-- `:Delegate key` (asked with secret input, sent with delegate/setApiKey) and the
-- "Delegate task…" code action, whose text the plugin asks for.
--
--   nvim --headless -u plugin_init.lua -n -i NONE -l plugin_failures.lua <folder> <out.json> <captures dir>
local folder, out_path, captures = arg[1], arg[2], arg[3]
local S = dofile(vim.fs.joinpath(vim.fs.dirname(debug.getinfo(1, 'S').source:sub(2)), 'plugin_screens.lua'))
local report = { steps = {}, prompts = {} }
local KEY = vim.env.DELEGATE_TEST_KEY

-- the user's answers to the plugin's prompts
vim.ui.input = function(opts, on_confirm)
  table.insert(report.prompts, { prompt = opts.prompt, secret = opts.secret == true })
  if opts.prompt:find('API key', 1, true) then
    return on_confirm(KEY)
  end
  return on_confirm('say hello from the code action')
end

local function failures()
  local _, client = S.open_attached(folder .. '/greet.py')
  report.server_pids = vim.api.nvim_get_proc_children(vim.fn.getpid())

  -- no key anywhere
  local before = S.last_notice()
  vim.cmd('Delegate say hello')
  S.wait_for('the no-key notice', function() return S.notice('no API key', before) end)
  table.insert(report.steps, { name = 'no key', notice = S.notice('no API key', before).message })

  -- :Delegate key, then the code action "Delegate task…"
  vim.cmd('Delegate key')
  before = S.last_notice()
  vim.api.nvim_win_set_cursor(0, { vim.fn.search('^def greet') + 1, 4 })
  local offered = {}
  vim.lsp.buf.code_action({
    filter = function(action)
      table.insert(offered, action.title)
      return action.title == 'Delegate task…'
    end,
    apply = true,
  })
  S.wait_for('the unreachable notice', function() return S.notice('model unreachable', before) end)
  local tasks = client:request_sync('delegate/tasks', {}, 5000).result.tasks
  table.sort(tasks, function(a, b) return a.createdAt < b.createdAt end)
  table.insert(report.steps, {
    name = 'unreachable',
    notice = S.notice('model unreachable', before).message,
    offered = offered,
    instruction = tasks[#tasks].instruction,
    status = require('delegate').status(),
  })
  -- the other subcommands: the task list (open a trace), cancel with nothing running,
  -- reindex, the log
  local picked = {}
  vim.ui.select = function(items, opts, on_choice)
    local labels = {}
    for _, item in ipairs(items) do
      table.insert(labels, opts.format_item and opts.format_item(item) or item)
    end
    table.insert(picked, { prompt = opts.prompt, items = labels })
    on_choice(opts.format_item and items[1] or 'open trace')
  end
  vim.cmd('Delegate tasks')
  S.wait_for('the trace to open', function() return vim.api.nvim_buf_get_name(0):find('trace.jsonl', 1, true) end)
  local trace = vim.api.nvim_buf_get_name(0)
  vim.cmd('close')
  before = S.last_notice()
  vim.cmd('Delegate cancel')
  S.wait_for('the cancel answer', function() return S.notice('no task is running', before) end)
  vim.cmd('Delegate reindex')
  S.wait_for('the reindex answer', function() return S.notice('rebuilding the index of 1 folder', before) end)
  vim.cmd('Delegate log')
  table.insert(report.steps, {
    name = 'subcommands',
    picked = picked,
    trace = trace,
    log = vim.api.nvim_buf_get_name(0),
    log_lines = #vim.api.nvim_buf_get_lines(0, 0, -1, false),
  })

  local shown = {}
  for _, n in ipairs(require('delegate.progress').history) do
    table.insert(shown, n.message)
  end
  S.capture(captures, 'notices', shown)
end

S.run(failures, report, out_path)
