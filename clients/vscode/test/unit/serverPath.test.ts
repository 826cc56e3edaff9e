import assert from "node:assert/strict";
import { test } from "node:test";

import { notFoundMessage, resolveServer } from "../../src/serverPath";

const base = { folders: ["/work/app"], pathEnv: "/usr/local/bin:/usr/bin", platform: "linux" };

test("without a setting: the workspace .venv, then venv, then PATH", () => {
  const found = resolveServer({ ...base, configured: "", isExecutable: (p) => p === "/usr/bin/delegate" });
  assert.equal(found.command, "/usr/bin/delegate");
  assert.deepEqual(found.tried, [
    "/work/app/.venv/bin/delegate",
    "/work/app/venv/bin/delegate",
    "/usr/local/bin/delegate",
    "/usr/bin/delegate",
  ]);
  const venv = resolveServer({ ...base, configured: "", isExecutable: (p) => p.includes("venv") });
  assert.equal(venv.command, "/work/app/.venv/bin/delegate");
});

test("a configured absolute path is used as it is, a relative one per folder, a name on PATH", () => {
  const any = (): boolean => true;
  assert.equal(resolveServer({ ...base, configured: "/opt/d/bin/delegate", isExecutable: any }).command, "/opt/d/bin/delegate");
  assert.equal(resolveServer({ ...base, configured: "tools/delegate", isExecutable: any }).command, "/work/app/tools/delegate");
  assert.equal(
    resolveServer({ ...base, configured: "${workspaceFolder}/env/bin/delegate", isExecutable: any }).command,
    "/work/app/env/bin/delegate",
  );
  const named = resolveServer({ ...base, configured: "delegate-dev", isExecutable: (p) => p.startsWith("/usr/bin") });
  assert.equal(named.command, "/usr/bin/delegate-dev");
});

test("on Windows: Scripts and delegate.exe", () => {
  const found = resolveServer({
    configured: "",
    folders: ["C:\\app"],
    pathEnv: "C:\\bin",
    platform: "win32",
    isExecutable: () => false,
  });
  assert.deepEqual(found.tried, ["C:\\app\\.venv\\Scripts\\delegate.exe", "C:\\app\\venv\\Scripts\\delegate.exe", "C:\\bin\\delegate.exe"]);
});

test("not found: the message says what the setting is and what was tried", () => {
  const missing = resolveServer({ ...base, configured: "/nope/delegate", isExecutable: () => false });
  assert.equal(missing.command, undefined);
  assert.equal(
    notFoundMessage(missing, "/nope/delegate"),
    'Delegate: the server was not found (delegate.server.path is "/nope/delegate"; tried /nope/delegate).',
  );
  const many = resolveServer({ ...base, configured: "", isExecutable: () => false });
  assert.match(notFoundMessage(many, ""), /searched; tried \/work\/app\/\.venv\/bin\/delegate, .*\/usr\/bin\/delegate\)\.$/);
});
