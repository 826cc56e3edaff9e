import assert from "node:assert/strict";
import { test } from "node:test";

import { DelegateCapabilities } from "../../src/capabilities";
import { decisionCommand, reviewTarget, taskArgs, withTaskText } from "../../src/commandArgs";
import { failureKind, failureNotice, noChangesNotice, outcomeOf } from "../../src/outcomes";

test("the server's errorKind decides; without it the message text does", () => {
  assert.equal(failureKind({ taskId: "t", state: "failed", errorKind: "budget", message: "x" }), "budget");
  const cases: Array<[string, string]> = [
    ["Failed: No API key: set ANTHROPIC_API_KEY or send delegate/setApiKey.", "no_api_key"],
    ["Interrupted: the server stopped while the task ran", "interrupted"],
    ["The model request failed: Error code: 400 - script exhausted", "model_unreachable"],
    ["Budget exceeded: cost limit $2.00", "budget"],
    ["boom", "internal"],
  ];
  for (const [message, kind] of cases) {
    assert.equal(failureKind({ taskId: "t", state: "failed", message }), kind, message);
  }
});

test("a missing key offers Set API Key; a failing model Show Logs", () => {
  const noKey = failureNotice({ taskId: "t", state: "failed", message: "Failed: No API key: set ANTHROPIC_API_KEY or send delegate/setApiKey." });
  assert.deepEqual(noKey, {
    severity: "error",
    text: "Delegate: the task needs an Anthropic API key. No API key: set ANTHROPIC_API_KEY or send delegate/setApiKey.",
    actions: ["Set API Key"],
  });
  const model = failureNotice({ taskId: "t", state: "failed", errorKind: "model_unreachable", message: "connection refused" });
  assert.deepEqual(model.actions, ["Show Logs", "Open Settings"]);
  assert.equal(model.text, "Delegate: the model failed: connection refused");
});

test("a proposal in the final notification is announced; without it the client asks", () => {
  const announced = outcomeOf({
    taskId: "t",
    state: "succeeded",
    proposal: { taskId: "t", version: 1, files: 3, hunks: 4, firstUri: "file:///a" },
  });
  assert.deepEqual(announced, {
    kind: "notice",
    notice: { severity: "info", text: "Proposal ready: 4 hunks in 3 files", actions: ["Review"] },
  });
  assert.deepEqual(outcomeOf({ taskId: "t", state: "succeeded" }), { kind: "askProposals" });
  assert.deepEqual(outcomeOf({ taskId: "t", state: "running", phase: "editing" }), { kind: "none" });
  assert.equal(noChangesNotice({ taskId: "t", message: "nothing to do" }).text, "Delegate: the task finished without changes: nothing to do");
});

test("task arguments: the selection is the focus, the text trimmed, empty text left out", () => {
  const range = { start: { line: 2, character: 0 }, end: { line: 4, character: 3 } };
  assert.deepEqual(taskArgs("file:///a.py", range, "  add retries "), { uri: "file:///a.py", range, text: "add retries" });
  assert.deepEqual(taskArgs("file:///a.py", range, " "), { uri: "file:///a.py", range });
});

test("review decisions map to the server's commands with the right argument", () => {
  const node = { taskId: "t", uri: "file:///a.py", path: "a.py", hunkId: "0:ab" };
  assert.deepEqual(decisionCommand("accept", "hunk", reviewTarget(node)), {
    command: "delegate.acceptHunk",
    argument: { taskId: "t", uri: "file:///a.py", hunkId: "0:ab" },
  });
  assert.deepEqual(decisionCommand("reject", "file", reviewTarget(node)), {
    command: "delegate.rejectFile",
    argument: { taskId: "t", uri: "file:///a.py" },
  });
  assert.deepEqual(decisionCommand("accept", "all", { taskId: "t" }), { command: "delegate.acceptAll", argument: { taskId: "t" } });
  // the title bar of the diff editor hands over the virtual document's URI
  const side = reviewTarget({ scheme: "delegate-proposal", path: "/t/src/b.py", query: "side=proposed" });
  assert.deepEqual(decisionCommand("accept", "file", side), { command: "delegate.acceptFile", argument: { taskId: "t", path: "src/b.py" } });
  assert.deepEqual(decisionCommand("accept", "hunk", side), { missing: "hunkId" });
  const multiDiff = { scheme: "multi-diff-editor", path: "540.1496", query: "", toString: () => "multi-diff-editor:540.1496" };
  assert.deepEqual(reviewTarget(multiDiff), {});
  const file = { scheme: "file", path: "/work/app/a.py", query: "", toString: () => "file:///work/app/a.py" };
  assert.deepEqual(reviewTarget(file), { uri: "file:///work/app/a.py" });
  assert.deepEqual(decisionCommand("accept", "file", {}), { missing: "taskId" });
  assert.deepEqual(decisionCommand("reject", "file", { taskId: "t" }), { missing: "file" });
});

test("the server's Delegate task… action without text asks the user, and sends nothing on cancel", async () => {
  const arg = { uri: "file:///a.py", range: { start: { line: 1, character: 0 }, end: { line: 1, character: 0 } } };
  assert.deepEqual(await withTaskText("delegate.task", [arg], () => Promise.resolve(" add logging ")), [{ ...arg, text: "add logging" }]);
  assert.equal(await withTaskText("delegate.task", [arg], () => Promise.resolve(undefined)), undefined);
  assert.equal(await withTaskText("delegate.task", [arg], () => Promise.resolve("  ")), undefined);
  let asked = 0;
  const ask = (): Promise<string> => {
    asked += 1;
    return Promise.resolve("x");
  };
  assert.deepEqual(await withTaskText("delegate.task", [{ ...arg, text: "fix it" }], ask), [{ ...arg, text: "fix it" }]);
  assert.deepEqual(await withTaskText("delegate.acceptHunk", [{ taskId: "t" }], ask), [{ taskId: "t" }]);
  assert.equal(asked, 0);
});

test("initialize announces the client contract's capabilities, keeping other experimental ones", () => {
  const capabilities: { experimental?: Record<string, unknown> } = { experimental: { other: 1 } };
  new DelegateCapabilities().fillClientCapabilities(capabilities);
  assert.deepEqual(capabilities.experimental, { other: 1, delegate: { prompt: true, taskUi: true, review: true } });
  const empty: { experimental?: Record<string, unknown> } = {};
  new DelegateCapabilities().fillClientCapabilities(empty);
  assert.deepEqual(empty.experimental, { delegate: { prompt: true, taskUi: true, review: true } });
});
