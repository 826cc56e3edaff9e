--- Options of the Delegate plugin: defaults, validation, the current values.
---
--- Nothing needs `setup()`: `get()` answers with the defaults until `setup(opts)` replaces
--- them. Validation is a pure function (`validate`) so it is unit-tested without an editor:
--- it returns one message per bad option, naming it (`keymaps.accept_hunk`), and the
--- options with every bad value replaced by its default — a typo never breaks the plugin.
local M = {}

---@class delegate.Keymaps
---@field next_hunk string|false   Next hunk in the review buffer (default `]h`).
---@field prev_hunk string|false   Previous hunk (default `[h`).
---@field accept_hunk string|false Accept the hunk under the cursor (default `ga`).
---@field reject_hunk string|false Reject the hunk under the cursor (default `gr`).
---@field accept_file string|false Accept every open hunk of the file (default `gA`).
---@field reject_file string|false Reject every open hunk of the file (default `gR`).
---@field side_by_side string|false Current and proposed text side by side with :diffthis (default `gd`).
---@field summary string|false     Toggle the summary window (default `gs`).
---@field revise string|false      Ask for feedback and revise the proposal (default `gv`).
---@field refresh string|false     Fetch the proposal again (default `R`).
---@field close string|false       Close the review (default `q`).

---@class delegate.NotifyOptions
---@field progress boolean     Show `$/progress` and task phases with vim.notify (skipped when fidget.nvim is loaded).
---@field throttle_ms integer  At most one progress notice per task (or index run) in this many milliseconds.

---@class delegate.ReviewOptions
---@field layout "tab"|"vertical"|"horizontal" Where the review opens: a new tab page, or a split of the current window.
---@field list_width integer   Least width of the file list in the tab and vertical layouts (it grows to fit its lines, up to half the screen).

---@class delegate.Options
---@field cmd string[]|nil        Server command when nothing else sets it (default `{ "delegate", "serve" }`).
---@field keymaps delegate.Keymaps
---@field notify delegate.NotifyOptions
---@field review delegate.ReviewOptions
---@field codelens boolean        Ask for code lenses in attached buffers (on enter, after insert, on idle and after each decision).

---@type delegate.Options
M.defaults = {
  cmd = nil,
  keymaps = {
    next_hunk = ']h',
    prev_hunk = '[h',
    accept_hunk = 'ga',
    reject_hunk = 'gr',
    accept_file = 'gA',
    reject_file = 'gR',
    side_by_side = 'gd',
    summary = 'gs',
    revise = 'gv',
    refresh = 'R',
    close = 'q',
  },
  notify = { progress = true, throttle_ms = 1500 },
  review = { layout = 'tab', list_width = 50 },
  codelens = true,
}

local function is_key(value)
  return value == false or (type(value) == 'string' and value ~= '')
end

local function is_positive_integer(value)
  return type(value) == 'number' and value >= 0 and math.floor(value) == value
end

local function is_cmd(value)
  if value == nil then
    return true
  end
  if type(value) ~= 'table' or #value == 0 then
    return false
  end
  for _, part in ipairs(value) do
    if type(part) ~= 'string' then
      return false
    end
  end
  return true
end

local LAYOUTS = { tab = true, vertical = true, horizontal = true }

--- What each option must be: a predicate and the words shown when it is not.
---@type table<string, {[1]: fun(v: any): boolean, [2]: string}>
local checks = {
  ['cmd'] = { is_cmd, 'a non-empty list of strings' },
  ['codelens'] = { function(v) return type(v) == 'boolean' end, 'a boolean' },
  ['notify.progress'] = { function(v) return type(v) == 'boolean' end, 'a boolean' },
  ['notify.throttle_ms'] = { is_positive_integer, 'a whole number of milliseconds (0 or more)' },
  ['review.layout'] = { function(v) return LAYOUTS[v] ~= nil end, '"tab", "vertical" or "horizontal"' },
  ['review.list_width'] = {
    function(v) return is_positive_integer(v) and v >= 20 end,
    'a whole number of columns, at least 20',
  },
}
for name in pairs(M.defaults.keymaps) do
  checks['keymaps.' .. name] = { is_key, 'a key sequence (string) or false to disable it' }
end

local function describe(value)
  if type(value) == 'string' then
    return string.format('%q', value)
  end
  return vim.inspect(value)
end

--- Check `opts` against the defaults.
---@param opts table|nil the user's options (any shape)
---@return delegate.Options options every valid value of `opts` over the defaults
---@return string[] problems one message per bad option, naming it
function M.validate(opts)
  local result = vim.deepcopy(M.defaults)
  local problems = {}
  if opts == nil then
    return result, problems
  end
  if type(opts) ~= 'table' then
    return result, { string.format('options must be a table, got %s', describe(opts)) }
  end
  local function visit(prefix, given, defaults, into)
    local names = vim.tbl_keys(given)
    table.sort(names, function(a, b) return tostring(a) < tostring(b) end)
    for _, key in ipairs(names) do
      local value = given[key]
      local name = prefix .. tostring(key)
      local check = checks[name]
      local default = defaults[key]
      if check then
        if check[1](value) then
          into[key] = vim.deepcopy(value)
        else
          table.insert(problems, string.format('`%s` must be %s, got %s', name, check[2], describe(value)))
        end
      elseif type(default) == 'table' and type(value) == 'table' then
        visit(name .. '.', value, default, into[key])
      elseif type(default) == 'table' then
        table.insert(problems, string.format('`%s` must be a table, got %s', name, describe(value)))
      else
        table.insert(problems, string.format('`%s` is not an option', name))
      end
    end
  end
  visit('', opts, M.defaults, result)
  return result, problems
end

---@type delegate.Options
local current = vim.deepcopy(M.defaults)

--- The options in force (the defaults until `set` is called).
---@return delegate.Options
function M.get()
  return current
end

--- Replace the options; returns the problems `validate` found (bad values keep their default).
---@param opts table|nil
---@return string[] problems
function M.set(opts)
  local options, problems = M.validate(opts)
  current = options
  return problems
end

--- The server command: the option, else `delegate serve` from PATH.
---@return string[]
function M.server_cmd()
  return current.cmd or { 'delegate', 'serve' }
end

return M
