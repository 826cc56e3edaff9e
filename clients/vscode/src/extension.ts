/** Entry point: builds the parts and wires their events together; logic lives in the modules. */

import * as vscode from "vscode";

import { askTaskText, registerCommands } from "./commands";
import { TaskNotifier } from "./notifications";
import { TASKS, type TaskChanged } from "./protocol";
import { PendingDecorations, ProposalCache, SCHEME } from "./review";
import { ServerConnection } from "./server";
import { StatusItem } from "./status";
import { TaskTable } from "./taskModel";
import { TasksView } from "./tasksView";

let running: ServerConnection | undefined;

export function activate(context: vscode.ExtensionContext): Promise<void> {
  const server = new ServerConnection(context.secrets, () => Promise.resolve(askTaskText()));
  running = server;
  const tasks = new TaskTable();
  const cache = new ProposalCache(server);
  const view = new TasksView(tasks, cache);
  const decorations = new PendingDecorations(cache);
  const notifier = new TaskNotifier(cache);
  const status = new StatusItem(server, tasks, cache);
  const refresh = (): void => {
    view.refresh();
    decorations.update();
    status.render();
  };
  let typing: ReturnType<typeof setTimeout> | undefined;

  const loadTasks = async (): Promise<void> => {
    try {
      const listed = await server.request<{ tasks: TaskChanged[] }>(TASKS, {});
      for (const record of listed.tasks ?? []) {
        tasks.update(record);
      }
      refresh();
    } catch {
      // an older server without delegate/tasks: the notifications alone fill the table
    }
  };

  server.onTaskChanged((change) => {
    const known = tasks.get(change.taskId)?.instruction !== undefined;
    tasks.update(change);
    if (!known) {
      // a task started elsewhere (a code action, another client): its record names it
      void loadTasks();
    }
    notifier.handle(change);
    if (change.proposalVersion !== undefined || change.hunkStates !== undefined) {
      void cache.refresh(change.taskId);
    }
    refresh();
    void status.refresh();
  });
  server.onProgress((token, title, message, done) => status.progress(token, title, message, done));
  server.onStarted(() => {
    void cache.refreshAll();
    void loadTasks();
  });
  context.subscriptions.push(
    server,
    cache,
    view,
    decorations,
    status,
    cache.onDidRefresh(refresh),
    vscode.workspace.registerTextDocumentContentProvider(SCHEME, cache),
    vscode.window.createTreeView("delegate.tasks", { treeDataProvider: view, showCollapseAll: true }),
    vscode.window.onDidChangeVisibleTextEditors(() => decorations.update()),
    vscode.workspace.onDidChangeTextDocument((event) => {
      if (event.document.uri.scheme !== "file" || event.contentChanges.length === 0) {
        return;
      }
      clearTimeout(typing);
      typing = setTimeout(() => void cache.refreshFile(event.document.uri), 300);
    }),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      server.note(`configuration changed (delegate: ${event.affectsConfiguration("delegate")})`);
      if (event.affectsConfiguration("delegate.server")) {
        server.note("delegate.server.* changed: restarting the server");
        await server.restart();
      } else if (event.affectsConfiguration("delegate")) {
        await server.settingsChanged();
      }
    }),
    ...registerCommands({ server, cache, tasks, secrets: context.secrets, refresh }),
  );
  // activation ends at once; the server's start shows in the status item and the log
  void server.start();
  return Promise.resolve();
}

/** Waits for the server's shutdown/exit, so no process is left behind. */
export function deactivate(): Thenable<void> | undefined {
  return running?.stop();
}
