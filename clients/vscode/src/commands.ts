/**
 * The extension's commands: delegating (task, tests), the key, the server (restart, logs,
 * install steps), following (tasks view, cancel, revise, trace) and reviewing (open the
 * diff, accept/reject a hunk, a file or all). Arguments for the server are built by the
 * pure functions of commandArgs.ts.
 */

import * as path from "node:path";
import * as vscode from "vscode";

import { decisionCommand, reviewTarget, type ReviewTarget, type Scope, taskArgs } from "./commandArgs";
import type { ProposalCache } from "./review";
import { openReview } from "./review";
import { isOpen, reviewTitle } from "./reviewModel";
import type { ServerConnection } from "./server";
import { SECRET_KEY } from "./settings";
import type { TaskTable } from "./taskModel";

export const INSTALL_STEPS_TEXT = [
  "# Installing the Delegate server",
  "",
  "The extension starts `delegate serve`. Install it into the workspace's virtual environment:",
  "",
  "    python -m venv .venv",
  "    .venv/bin/python -m pip install delegate",
  "",
  "or from a clone of the project: `make demo` creates `.venv` with `delegate` in it.",
  "",
  "Then set `delegate.server.path` to the `delegate` executable if it is not in the workspace's",
  "`.venv`/`venv` or on `PATH`, and run **Delegate: Restart Server**.",
  "",
].join("\n");

export interface Parts {
  server: ServerConnection;
  cache: ProposalCache;
  tasks: TaskTable;
  secrets: vscode.SecretStorage;
  refresh: () => void;
}

export function askTaskText(): Thenable<string | undefined> {
  return vscode.window.showInputBox({
    title: "Delegate Task",
    prompt: "What should the agent do? The selection (or the function at the cursor) is its focus.",
    placeHolder: "e.g. add retries with backoff to fetch()",
    ignoreFocusOut: true,
  });
}

async function startTask(parts: Parts, kind: "task" | "tests"): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (!editor || editor.document.uri.scheme !== "file") {
    void vscode.window.showWarningMessage("Delegate: open a file of the workspace first.");
    return;
  }
  const text = kind === "task" ? await askTaskText() : undefined;
  if (kind === "task" && !text?.trim()) {
    return;
  }
  const s = editor.selection;
  const args = taskArgs(
    editor.document.uri.toString(),
    { start: { line: s.start.line, character: s.start.character }, end: { line: s.end.line, character: s.end.character } },
    text,
  );
  try {
    const started = await parts.server.command<{ taskId: string }>(
      kind === "task" ? "delegate.task" : "delegate.generateTests",
      args,
    );
    parts.tasks.update({ taskId: started.taskId, state: "queued", instruction: text ?? "Generate tests" });
    parts.refresh();
  } catch (error) {
    void vscode.window.showErrorMessage(`Delegate: the task did not start: ${errorText(error)}`);
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function pickTask(parts: Parts, placeHolder: string, withProposal: boolean): Promise<string | undefined> {
  const items = withProposal
    ? parts.cache.all().filter((p) => p.files.some((f) => f.hunks.some(isOpen))).map((p) => ({ label: reviewTitle(p), taskId: p.taskId }))
    : parts.tasks.all().map((t) => ({ label: t.instruction ?? t.taskId, description: t.state, taskId: t.taskId }));
  if (items.length === 0) {
    void vscode.window.showInformationMessage(withProposal ? "Delegate: no proposal to review." : "Delegate: no tasks yet.");
    return undefined;
  }
  if (items.length === 1) {
    return items[0].taskId;
  }
  return (await vscode.window.showQuickPick(items, { placeHolder }))?.taskId;
}

async function taskIdOf(parts: Parts, arg: unknown, withProposal: boolean): Promise<string | undefined> {
  const target = reviewTarget(arg);
  return target.taskId ?? pickTask(parts, "Which task?", withProposal);
}

/** Fill in what an invocation from the title bar or palette leaves out. */
async function completeTarget(parts: Parts, scope: Scope, target: ReviewTarget): Promise<ReviewTarget | undefined> {
  const filled = { ...target };
  if (!filled.taskId && filled.uri) {
    filled.taskId = parts.cache.all().find((p) => p.files.some((f) => f.uri === filled.uri && f.hunks.some(isOpen)))?.taskId;
  }
  if (!filled.taskId) {
    filled.taskId = await pickTask(parts, "Which proposal?", true);
  }
  if (!filled.taskId || scope === "all" || filled.uri || filled.path) {
    return filled.taskId ? filled : undefined;
  }
  const proposal = parts.cache.get(filled.taskId);
  const files = (proposal?.files ?? []).filter((f) => f.hunks.some(isOpen));
  const picked =
    files.length === 1
      ? files[0]
      : await vscode.window
          .showQuickPick(files.map((f) => ({ label: f.path, description: f.op, file: f })), { placeHolder: "Which file?" })
          .then((p) => p?.file);
  return picked ? { ...filled, path: picked.path } : undefined;
}

async function decide(parts: Parts, verb: "accept" | "reject", scope: Scope, arg: unknown): Promise<void> {
  const target = await completeTarget(parts, scope, reviewTarget(arg));
  if (!target) {
    return;
  }
  const decision = decisionCommand(verb, scope, target);
  if ("missing" in decision) {
    void vscode.window.showWarningMessage(`Delegate: choose a ${decision.missing} to ${verb}.`);
    return;
  }
  try {
    await parts.server.command(decision.command, decision.argument);
  } catch (error) {
    void vscode.window.showErrorMessage(`Delegate: ${verb} failed: ${errorText(error)}`);
  }
  await parts.cache.refresh(target.taskId!);
  parts.refresh();
}

function traceUri(parts: Parts, taskId: string): vscode.Uri | undefined {
  const proposal = parts.cache.get(taskId);
  const folder = proposal?.folder ?? vscode.workspace.workspaceFolders?.[0]?.uri.toString();
  if (!folder) {
    return undefined;
  }
  const root = vscode.Uri.parse(folder).fsPath;
  return vscode.Uri.file(path.join(root, ".delegate", "runs", taskId, "trace.jsonl"));
}

export function registerCommands(parts: Parts): vscode.Disposable[] {
  const { server, cache, secrets } = parts;
  const register = (id: string, run: (...args: unknown[]) => unknown): vscode.Disposable =>
    vscode.commands.registerCommand(id, run);
  return [
    register("delegate.delegateTask", () => startTask(parts, "task")),
    register("delegate.generateTestsForSelection", () => startTask(parts, "tests")),
    register("delegate.setApiKey", async () => {
      const key = await vscode.window.showInputBox({
        title: "Delegate: Anthropic API key",
        prompt: "Stored in VS Code's secret storage and sent to the Delegate server; never written to settings.",
        password: true,
        ignoreFocusOut: true,
      });
      if (key === undefined) {
        return;
      }
      if (key.trim()) {
        await secrets.store(SECRET_KEY, key.trim());
      } else {
        await secrets.delete(SECRET_KEY);
      }
      await server.sendApiKey(key.trim());
      void vscode.window.showInformationMessage(key.trim() ? "Delegate: API key saved." : "Delegate: API key removed.");
    }),
    register("delegate.restartServer", async () => {
      if (await server.restart()) {
        await cache.refreshAll();
        parts.refresh();
      }
    }),
    register("delegate.showLogs", () => server.showLogs()),
    register("delegate.showInstallSteps", async () => {
      const doc = await vscode.workspace.openTextDocument({ language: "markdown", content: INSTALL_STEPS_TEXT });
      await vscode.window.showTextDocument(doc, { preview: true });
    }),
    register("delegate.showTasks", () => vscode.commands.executeCommand("delegate.tasks.focus")),
    register("delegate.reviewProposal", async (arg) => {
      const taskId = await taskIdOf(parts, arg, true);
      if (taskId) {
        await openReview(cache, taskId);
      }
    }),
    register("delegate.cancelTask", async (arg) => {
      const taskId = await taskIdOf(parts, arg, false);
      if (taskId) {
        await server.command("delegate.cancel", { taskId });
      }
    }),
    register("delegate.reviseTask", async (arg) => {
      const taskId = await taskIdOf(parts, arg, true);
      if (!taskId) {
        return;
      }
      const comment = await vscode.window.showInputBox({
        title: "Delegate: Revise with Feedback",
        prompt: "What should the next version do differently? (Rejected and conflicted hunks are sent along.)",
        ignoreFocusOut: true,
      });
      if (comment === undefined) {
        return;
      }
      try {
        await server.command("delegate.revise", { taskId, comment });
      } catch (error) {
        void vscode.window.showErrorMessage(`Delegate: revise failed: ${errorText(error)}`);
      }
    }),
    register("delegate.openTrace", async (arg) => {
      const taskId = await taskIdOf(parts, arg, false);
      const uri = taskId ? traceUri(parts, taskId) : undefined;
      if (uri) {
        await vscode.window.showTextDocument(uri, { preview: true });
      }
    }),
    register("delegate.review.acceptHunk", (arg) => decide(parts, "accept", "hunk", arg)),
    register("delegate.review.rejectHunk", (arg) => decide(parts, "reject", "hunk", arg)),
    register("delegate.review.acceptFile", (arg) => decide(parts, "accept", "file", arg)),
    register("delegate.review.rejectFile", (arg) => decide(parts, "reject", "file", arg)),
    register("delegate.review.acceptAll", (arg) => decide(parts, "accept", "all", arg)),
    register("delegate.review.rejectAll", (arg) => decide(parts, "reject", "all", arg)),
  ];
}
