/** The commands the extension registers and the ones package.json contributes are the same set. */

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { registerCommands } from "../../src/commands";
import { TasksView } from "../../src/tasksView";
import { TaskTable } from "../../src/taskModel";
import type { ProposalCache } from "../../src/review";
import type { ServerConnection } from "../../src/server";
import { proposal } from "./fixtures";
import * as stub from "./vscodeStub";

const pkg = JSON.parse(readFileSync("package.json", "utf8"));

/** A server that records the commands sent to it. */
function recordingServer(sent: Array<{ command: string; argument: unknown }>): ServerConnection {
  return {
    running: () => true,
    command: (command: string, argument: unknown) => {
      sent.push({ command, argument });
      return Promise.resolve({});
    },
  } as unknown as ServerConnection;
}

test("every contributed command is registered, and nothing else", () => {
  const server = recordingServer([]);
  const data = proposal();
  const cache = { get: () => data, all: () => [data], refresh: () => Promise.resolve(data) } as unknown as ProposalCache;
  registerCommands({ server, cache, tasks: new TaskTable(), secrets: {} as never, refresh: () => undefined });
  const contributed = pkg.contributes.commands.map((c: { command: string }) => c.command).sort();
  assert.deepEqual([...stub.registered.keys()].sort(), contributed);
  for (const menu of Object.values(pkg.contributes.menus) as Array<Array<{ command: string }>>) {
    for (const item of menu) {
      assert.ok(contributed.includes(item.command), `menu item ${item.command} is not a contributed command`);
    }
  }
  for (const binding of pkg.contributes.keybindings) {
    assert.ok(contributed.includes(binding.command), binding.command);
  }
});

test("a hunk's Accept in the tree sends delegate.acceptHunk for that hunk", async () => {
  const sent: Array<{ command: string; argument: unknown }> = [];
  stub.registered.clear();
  const data = proposal();
  const server = recordingServer(sent);
  let refreshed = 0;
  const cache = {
    get: () => data,
    all: () => [data],
    refresh: () => {
      refreshed += 1;
      return Promise.resolve(data);
    },
  } as unknown as ProposalCache;
  const tasks = new TaskTable();
  tasks.update({ taskId: "t-1", state: "succeeded", instruction: "add timeouts" });
  registerCommands({ server, cache, tasks, secrets: {} as never, refresh: () => undefined });
  const view = new TasksView(tasks, cache);
  const [task] = view.getChildren();
  const [app] = view.getChildren(task);
  const [first] = view.getChildren(app);
  const item = view.getTreeItem(first);
  assert.equal(item.contextValue, "hunk.pending");
  assert.equal(item.command?.command, "vscode.open");
  await stub.registered.get("delegate.review.acceptHunk")!(first);
  await stub.registered.get("delegate.review.rejectFile")!(view.getChildren(task)[1]);
  assert.deepEqual(sent, [
    { command: "delegate.acceptHunk", argument: { taskId: "t-1", uri: "file:///work/app/app.py", hunkId: "0:aaaa1111" } },
    { command: "delegate.rejectFile", argument: { taskId: "t-1", uri: "file:///work/app/util.py" } },
  ]);
  assert.equal(refreshed, 2);
});

test("task actions: cancel, revise with the user's comment, and the trace of the task", async () => {
  const sent: Array<{ command: string; argument: unknown }> = [];
  stub.registered.clear();
  const data = proposal();
  const cache = { get: () => data, all: () => [data], refresh: () => Promise.resolve(data) } as unknown as ProposalCache;
  const tasks = new TaskTable();
  tasks.update({ taskId: "t-1", state: "running", instruction: "add timeouts" });
  registerCommands({ server: recordingServer(sent), cache, tasks, secrets: {} as never, refresh: () => undefined });
  const [task] = new TasksView(tasks, cache).getChildren();
  await stub.registered.get("delegate.cancelTask")!(task);
  stub.inputs.push("keep the old timeout", undefined);
  await stub.registered.get("delegate.reviseTask")!(task);
  await stub.registered.get("delegate.reviseTask")!(task); // Escape: nothing is sent
  await stub.registered.get("delegate.openTrace")!(task);
  assert.deepEqual(sent, [
    { command: "delegate.cancel", argument: { taskId: "t-1" } },
    { command: "delegate.revise", argument: { taskId: "t-1", comment: "keep the old timeout" } },
  ]);
  assert.deepEqual(stub.shownDocuments, ["file:///work/app/.delegate/runs/t-1/trace.jsonl"]);
});

test("the tasks view is contributed in its own activity bar container", () => {
  assert.equal(pkg.contributes.viewsContainers.activitybar[0].id, "delegate");
  assert.deepEqual(pkg.contributes.views.delegate.map((v: { id: string }) => v.id), ["delegate.tasks"]);
});
