-- The Delegate review on a real terminal screen: this (headless) Neovim runs a second,
-- ordinary Neovim with its TUI inside a :terminal, types into it like a user, and reads the
-- screen back from the terminal buffer. test_plugin_screen.py seeds the proposal.
--
--   nvim --headless --clean -u NONE -n -i NONE -l plugin_tui.lua <folder> <out.json> <captures dir> <nvim> <init.lua>
local folder, out_path, captures, nvim, init = arg[1], arg[2], arg[3], arg[4], arg[5]
local S = dofile(vim.fs.joinpath(vim.fs.dirname(debug.getinfo(1, 'S').source:sub(2)), 'plugin_screens.lua'))
local report = { steps = {} }
local COLUMNS, LINES = 150, 42

local term_buf, job

local function screen()
  return vim.api.nvim_buf_get_lines(term_buf, 0, -1, false)
end

local function shows(text)
  for _, line in ipairs(screen()) do
    if line:find(text, 1, true) then
      return true
    end
  end
  return false
end

local function type_keys(keys)
  vim.fn.chansend(job, vim.api.nvim_replace_termcodes(keys, true, false, true))
end

--- Wait until the screen shows `text`, asking the inner Neovim to redraw now and then.
local function wait_screen(text)
  local tries = 0
  S.wait_for('the screen to show ' .. text, function()
    tries = tries + 1
    if tries % 40 == 0 then
      type_keys('<C-l>')
    end
    return shows(text)
  end)
end

local function tui()
  local buf = vim.api.nvim_create_buf(true, false)
  vim.api.nvim_set_current_buf(buf)
  local win = vim.api.nvim_open_win(buf, true, { relative = 'editor', row = 0, col = 0, width = COLUMNS, height = LINES })
  term_buf = vim.api.nvim_win_get_buf(win)
  local statusline = [[vim.o.laststatus = 2; vim.o.statusline = "%f %= %{v:lua.require'delegate'.status()}"]]
  job = vim.fn.jobstart({ nvim, '-u', init, '-n', '-i', 'NONE', '--cmd', 'lua ' .. statusline, folder .. '/greet.py' }, {
    term = true,
    cwd = folder,
    env = { TERM = 'xterm-256color' },
    on_exit = function(_, code) report.exit = code end,
  })
  term_buf = vim.api.nvim_get_current_buf()
  -- the server's lenses on the first line, the statusline from require('delegate').status()
  wait_screen('Accept file (2 hunks)')
  wait_screen('Delegate: 4 hunks to review')
  table.insert(report.steps, { name = 'attached', screen = S.capture(captures, '01-editor', screen()) })

  -- in the ordinary buffer: accept the hunk under the cursor
  type_keys('5G:Delegate accept<CR>')
  wait_screen('Accept file (1 hunk)')
  table.insert(report.steps, { name = 'accepted in the buffer', screen = S.capture(captures, '01b-accepted-in-buffer', screen()) })

  type_keys(':Delegate review<CR>')
  wait_screen('[pending]')
  wait_screen('greet.py — inline diff')
  table.insert(report.steps, { name = 'review', screen = S.capture(captures, '02-review', screen()) })

  type_keys(']h]h')
  wait_screen('retry.py — inline diff')
  table.insert(report.steps, { name = 'new file', screen = S.capture(captures, '03-new-file', screen()) })

  type_keys('gA')
  wait_screen('A retry.py  (new file, 1 hunk: 1 applied)')
  wait_screen('Delegate: 2 hunks to review')
  table.insert(report.steps, { name = 'accepted', screen = S.capture(captures, '04-accepted', screen()) })
  type_keys('q:wall<CR>:qa!<CR>')
  S.wait_for('the inner Neovim to quit', function() return report.exit ~= nil end)
end

vim.o.columns, vim.o.lines = COLUMNS + 2, LINES + 2
S.run(tui, report, out_path)
