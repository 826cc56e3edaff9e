-- The user's init.lua in the plugin's end-to-end tests (test_plugin_walkthrough.py): what
-- clients/neovim/README.md tells a user to write, with the test's server command and
-- settings (the fake Messages API, the fixture's test command) from the environment. No
-- setup() call: the plugin must work without one.
local env = vim.env
vim.opt.runtimepath:prepend(env.DELEGATE_TEST_PLUGIN)
vim.o.swapfile = false
vim.o.updatetime = 200

vim.lsp.config('delegate', {
  cmd = { env.DELEGATE_TEST_PYTHON, '-m', 'delegate', 'serve' },
  settings = {
    delegate = {
      api = { baseUrl = env.DELEGATE_TEST_BASE_URL, maxRetries = 0, timeoutSeconds = 10 },
      tests = { command = vim.json.decode(env.DELEGATE_TEST_TESTS_COMMAND) },
      budget = { maxIterations = 2 },
    },
  },
})
vim.lsp.enable('delegate')
