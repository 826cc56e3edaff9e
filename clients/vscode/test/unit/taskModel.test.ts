import assert from "node:assert/strict";
import { test } from "node:test";

import { indexingText, statusSummary } from "../../src/statusText";
import { hunkNodes, TaskTable, taskChildren, taskNode } from "../../src/taskModel";
import { proposal } from "./fixtures";

test("notifications update a task field by field; missing fields keep their values", () => {
  const table = new TaskTable();
  table.update({ taskId: "a", state: "queued", instruction: "add retries" });
  table.update({ taskId: "b", state: "running" });
  const merged = table.update({ taskId: "a", state: "running", phase: "editing", iteration: 1, costUsd: 0.0031 });
  assert.equal(merged.instruction, "add retries");
  assert.equal(merged.phase, "editing");
  assert.deepEqual(table.all().map((t) => t.taskId), ["b", "a"]);
  assert.equal(table.running(), 2);
  table.update({ taskId: "a", state: "succeeded", phase: undefined });
  assert.equal(table.get("a")?.phase, "editing");
  assert.equal(table.running(), 1);
});

test("a task node shows state, phase, iteration, cost and what is left to review", () => {
  const running = taskNode({ taskId: "a", state: "running", phase: "testing", iteration: 2, costUsd: 0.0412, instruction: "add retries\nplease", seen: 0 }, undefined);
  assert.equal(running.label, "add retries");
  assert.equal(running.description, "running · testing · iteration 2 · $0.0412");
  assert.equal(running.contextValue, "task.running");
  assert.equal(running.icon, "sync~spin");
  const done = taskNode({ taskId: "t-1", state: "succeeded", seen: 0 }, proposal());
  assert.equal(done.label, "t-1");
  assert.equal(done.description, "succeeded · 4 hunks in 3 files to review");
  assert.equal(done.contextValue, "task.succeeded.proposal");
});

test("under a task: a failure's cause, then the proposal's files with their open hunks", () => {
  const failed = taskChildren({ taskId: "a", state: "failed", message: "No API key: set it\nmore", seen: 0 }, undefined);
  assert.deepEqual(failed.map((n) => [n.kind, n.label]), [["message", "No API key: set it"]]);
  const data = proposal();
  data.files[1].hunks[0].state = "applied";
  const files = taskChildren({ taskId: "t-1", state: "succeeded", seen: 0 }, data);
  assert.deepEqual(
    files.map((n) => [n.label, n.description, n.contextValue]),
    [
      ["app.py", "2 of 2 open", "file.open"],
      ["util.py", "0 of 1 open", "file.decided"],
      ["retry.py", "create · 1 of 1 open", "file.open"],
    ],
  );
});

test("hunk nodes carry what the review commands need, and a conflict says why", () => {
  const data = proposal();
  data.files[0].hunks[1].state = "conflicted";
  data.files[0].hunks[1].range = null;
  const nodes = hunkNodes(data, "app.py");
  assert.deepEqual(
    nodes.map((n) => [n.label, n.description, n.contextValue, n.hunkId, n.uri, n.line]),
    [
      ["line 4: return get(url, timeout=5)", "pending", "hunk.pending", "0:aaaa1111", "file:///work/app/app.py", 3],
      ["base line 8: print('begin')", "conflicted: your edits touch these lines", "hunk.conflicted", "0:bbbb2222", "file:///work/app/app.py", undefined],
    ],
  );
  assert.deepEqual(hunkNodes(data, "retry.py").map((n) => n.label), ["create retry.py"]);
  assert.deepEqual(hunkNodes(data, "missing.py"), []);
});

test("the status item counts indexing, running tasks and proposals", () => {
  const status = {
    folders: [{ folder: "file:///a", indexed: true, updating: false, files: 1665, chunks: 9000, error: null }],
    tasks: [],
    apiKeyPresent: false,
  };
  assert.deepEqual(statusSummary(status, 1, 2, true), {
    text: "Delegate: 1,665 files indexed, 1 running, 2 to review",
    detail: "No API key set",
    busy: true,
  });
  status.folders[0].updating = true;
  assert.equal(statusSummary(status, 0, 0, true).text, "Delegate: Indexing 1,665 files, 0 running, 0 to review");
  assert.equal(statusSummary(undefined, 0, 0, false).text, "Delegate: stopped");
  assert.equal(statusSummary(status, 0, 0, true, "Indexing 312/1,665 files").text, "Delegate: Indexing 312/1,665 files, 0 running, 0 to review");
  assert.equal(indexingText("Delegate: indexing app", "312/1665 files"), "Indexing 312/1,665 files");
  assert.equal(indexingText("Delegate: indexing app", "Scanning files"), "Indexing…");
  assert.equal(indexingText("Delegate: add retries", "planning"), undefined);
});
