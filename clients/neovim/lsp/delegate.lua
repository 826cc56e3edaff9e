--- Delegate's language server, as a `vim.lsp.Config` (Neovim 0.11+): `vim.lsp.enable("delegate")`.
---
--- The client announces the plugin's own UI (`experimental.delegate`, the client contract in
--- docs/protocol.md): `prompt` — it asks the user for a task's text, so the server offers
--- "Delegate task…"; `taskUi` — it tells task outcomes itself (no pop-ups from the server);
--- `review` — it has its own review. Override anything with `vim.lsp.config("delegate", {…})`.
---@type vim.lsp.Config
return {
  cmd = require('delegate.config').server_cmd(),
  root_markers = { '.delegate', '.git', 'pyproject.toml', 'package.json', 'go.mod', 'Cargo.toml' },
  capabilities = {
    experimental = { delegate = { prompt = true, taskUi = true, review = true } },
    -- answered below: Neovim 0.11 has no handler of its own for it
    workspace = { codeLens = { refreshSupport = true } },
  },
  handlers = {
    ['delegate/taskChanged'] = function(_, result, ctx)
      require('delegate.progress').on_task_changed(result, vim.lsp.get_client_by_id(ctx.client_id))
    end,
    ['window/logMessage'] = function(err, result, ctx)
      require('delegate.client').saw_log(ctx.client_id, result and result.message)
      return vim.lsp.handlers['window/logMessage'](err, result, ctx)
    end,
    ['workspace/codeLens/refresh'] = function(_, _, ctx)
      require('delegate.client').refresh_lenses(vim.lsp.get_client_by_id(ctx.client_id))
      return vim.NIL
    end,
  },
  commands = {
    -- the "Delegate task…" code action comes without text: ask for it first
    ['delegate.task'] = function(command, ctx)
      require('delegate.commands').task_command(command, ctx)
    end,
  },
}
