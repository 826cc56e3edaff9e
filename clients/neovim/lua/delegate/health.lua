--- `:checkhealth delegate`: Neovim, the server (executable, version, its Python), each
--- folder's index (where and how big), whether ANTHROPIC_API_KEY is set (never its value),
--- the client's settings and the server log's recent errors.
local M = {}

local health = vim.health

--- The command of the Delegate server: the running client's, else the configuration's.
local function server_cmd()
  local client = require('delegate.client').get()
  if client and type(client.config.cmd) == 'table' then
    return client.config.cmd, client
  end
  local ok, config = pcall(function() return vim.lsp.config.delegate end)
  if ok and config and type(config.cmd) == 'table' then
    return config.cmd, client
  end
  return require('delegate.config').server_cmd(), client
end

local function run(cmd)
  local ok, result = pcall(function() return vim.system(cmd, { text = true }):wait(15000) end)
  if not ok or not result or result.code ~= 0 then
    return nil
  end
  return vim.trim((result.stdout or '') .. (result.stderr or ''))
end

--- The Python interpreter that runs the server: the command itself when it is Python
--- (`python -m delegate serve`), else the one named on the script's `#!` line.
local function server_python(cmd)
  local exe = vim.fn.exepath(cmd[1])
  if vim.fs.basename(exe):match('^python') then
    return exe
  end
  local file = io.open(exe, 'r')
  if not file then
    return nil
  end
  local first = file:read('*l') or ''
  file:close()
  local interpreter = first:match('^#!%s*(%S+)')
  return interpreter
end

local function size_of(path)
  local total, files = 0, 0
  local stat = vim.uv.fs_stat(path)
  if not stat then
    return nil
  end
  if stat.type ~= 'directory' then
    return stat.size, 1
  end
  for name, kind in vim.fs.dir(path, { depth = 20 }) do
    if kind == 'file' then
      local s = vim.uv.fs_stat(path .. '/' .. name)
      if s then
        total, files = total + s.size, files + 1
      end
    end
  end
  return total, files
end

local function human(bytes)
  local units = { 'B', 'KiB', 'MiB', 'GiB' }
  local i = 1
  while bytes >= 1024 and i < #units do
    bytes, i = bytes / 1024, i + 1
  end
  return string.format(i == 1 and '%d %s' or '%.1f %s', bytes, units[i])
end

local function check_server()
  health.start('Delegate server')
  local cmd, client = server_cmd()
  local exe = vim.fn.exepath(cmd[1])
  if exe == '' then
    health.error(
      string.format('server executable not found: %s', cmd[1]),
      { 'install Delegate (its README) and set the command: vim.lsp.config("delegate", { cmd = { "/path/to/.venv/bin/delegate", "serve" } })' }
    )
    return client
  end
  health.ok(string.format('server command: %s', table.concat(cmd, ' ')))
  local version
  if client and client.server_info and client.server_info.version then
    version = string.format('%s %s (running, client id %d)', client.server_info.name or 'delegate', client.server_info.version, client.id)
  else
    local base = vim.list_slice(cmd, 1, #cmd)
    if base[#base] == 'serve' then
      table.remove(base)
    end
    table.insert(base, '--version')
    version = run(base)
  end
  if version then
    health.ok('server version: ' .. version)
  else
    health.warn('could not read the server version (is the command right?)')
  end
  local python = server_python(cmd)
  local python_version = python and run({ python, '--version' })
  if python_version then
    health.ok(string.format('Python: %s (%s)', python_version, python))
  else
    health.info('Python: not found from the server command')
  end
  if not client then
    health.info('the server is not running in this Neovim (vim.lsp.enable("delegate") starts it for files of a project)')
  end
  return client
end

local function check_folders(client)
  health.start('Delegate folders')
  if not client then
    health.info('no running server: open a file of a project to see its index')
    return {}
  end
  local answer = client:request_sync('workspace/executeCommand', { command = 'delegate.status' }, 10000)
  local status = answer and answer.result
  if not status then
    health.warn('delegate.status did not answer: ' .. vim.inspect(answer and answer.err))
    return {}
  end
  local folders = {}
  for _, folder in ipairs(status.folders or {}) do
    local path = vim.uri_to_fname(folder.folder)
    table.insert(folders, path)
    local location = folder.indexLocation ~= vim.NIL and folder.indexLocation or nil
    local size = location and size_of(location)
    local line = string.format('%s: index at %s', path, location or '(not open)')
    if size then
      line = line .. string.format(', %s on disk', human(size))
    end
    if folder.files ~= vim.NIL and folder.files then
      line = line .. string.format(', %d files, %d chunks', folder.files, folder.chunks or 0)
    end
    if folder.error ~= vim.NIL and folder.error then
      health.warn(line .. ' — index error: ' .. tostring(folder.error), { ':Delegate reindex', ':Delegate log' })
    elseif folder.updating then
      health.ok(line .. ' (updating now)')
    else
      health.ok(line)
    end
  end
  if status.apiKeyPresent then
    health.ok('the server has an API key')
  else
    health.warn('the server has no API key', { ':Delegate key', 'or start Neovim with ANTHROPIC_API_KEY set' })
  end
  return folders
end

local function check_key()
  health.start('Delegate API key')
  if vim.env.ANTHROPIC_API_KEY and vim.env.ANTHROPIC_API_KEY ~= '' then
    health.ok('ANTHROPIC_API_KEY is set (its value is not shown)')
  else
    health.info('ANTHROPIC_API_KEY is not set in this Neovim; :Delegate key gives the server one for this session')
  end
end

local function check_settings(client)
  health.start('Delegate settings')
  local problems = select(2, require('delegate.config').validate(require('delegate.config').get()))
  if #problems == 0 then
    health.ok('plugin options are valid')
  end
  for _, p in ipairs(problems) do
    health.warn(p)
  end
  local settings = client and client.config.settings or nil
  if settings and next(settings) then
    local shown = vim.inspect(settings):gsub('sk%-ant%-[%w_%-]+', 'sk-ant-<redacted>')
    health.info('client settings:\n' .. shown)
  else
    health.info('client settings: none (the defaults of docs/settings.md apply)')
  end
end

local function check_log(folders)
  health.start('Delegate server log')
  if #folders == 0 then
    health.info('no folder to read a log from')
  end
  for _, folder in ipairs(folders) do
    local path = folder .. '/.delegate/logs/server.log'
    local file = io.open(path, 'r')
    if not file then
      health.info(path .. ': no log yet')
    else
      local errors = {}
      for line in file:lines() do
        if line:find(' ERROR ', 1, true) then
          table.insert(errors, line)
          if #errors > 5 then
            table.remove(errors, 1)
          end
        end
      end
      file:close()
      if #errors == 0 then
        health.ok(path .. ': no errors')
      else
        health.warn(string.format('%s: recent errors:\n%s', path, table.concat(errors, '\n')), { ':Delegate log' })
      end
    end
  end
end

function M.check()
  health.start('Delegate')
  if vim.fn.has('nvim-0.11') == 1 then
    health.ok('Neovim ' .. tostring(vim.version()))
  else
    health.error('Neovim ' .. tostring(vim.version()) .. ' is too old: Delegate needs 0.11 or later')
  end
  local client = check_server()
  local folders = check_folders(client)
  check_key()
  check_settings(client)
  check_log(folders)
end

return M
