-- Delegate for Neovim: the :Delegate command and the autocommands that show the server's
-- progress and keep code lenses fresh. Everything else loads on first use.
if vim.g.loaded_delegate then
  return
end
vim.g.loaded_delegate = true

if vim.fn.has('nvim-0.11') == 0 then
  vim.notify('Delegate needs Neovim 0.11 or later', vim.log.levels.WARN)
  return
end

vim.api.nvim_create_user_command('Delegate', function(opts)
  require('delegate.commands').run(opts)
end, {
  nargs = '*',
  range = true,
  desc = 'Delegate: start a task, review proposals, and more (:help :Delegate)',
  complete = function(arglead, cmdline)
    return require('delegate.commands').complete(arglead, cmdline)
  end,
})

local group = vim.api.nvim_create_augroup('delegate', { clear = true })

local function is_delegate(client_id)
  local client = vim.lsp.get_client_by_id(client_id)
  return client ~= nil and client.name == 'delegate'
end

vim.api.nvim_create_autocmd('LspProgress', {
  group = group,
  callback = function(ev)
    if ev.data and is_delegate(ev.data.client_id) then
      local value = ev.data.params and ev.data.params.value or {}
      if value.kind == 'begin' and tostring(value.title):find('indexing', 1, true) then
        require('delegate.client').mark_ready(ev.data.client_id) -- indexing starts after the settings
      end
      require('delegate.progress').on_progress(ev.data.params)
    end
  end,
})

vim.api.nvim_create_autocmd('LspAttach', {
  group = group,
  callback = function(ev)
    if ev.data and is_delegate(ev.data.client_id) then
      require('delegate').attach(ev.buf, ev.data.client_id)
    end
  end,
})
