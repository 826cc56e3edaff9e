/**
 * Starting, restarting and stopping `delegate serve` over stdio with vscode-languageclient.
 *
 * The client announces the Delegate capabilities of the client contract, hands the server
 * only the `delegate` settings it knows (settings.ts), asks for the task text when the
 * server's "Delegate task…" action arrives without one, and sends the API key from
 * SecretStorage each time the server (re)starts.
 */

import * as fs from "node:fs";
import * as vscode from "vscode";
import { LanguageClient, type LanguageClientOptions, type ServerOptions, State } from "vscode-languageclient/node";

import { DelegateCapabilities } from "./capabilities";
import { withTaskText } from "./commandArgs";
import { SET_API_KEY, TASK_CHANGED, type TaskChanged } from "./protocol";
import { notFoundMessage, resolveServer } from "./serverPath";
import { launchSettings, SECRET_KEY, serverSection } from "./settings";
import { INSTALL_STEPS, OPEN_SETTINGS } from "./outcomes";

function isExecutable(path: string): boolean {
  try {
    fs.accessSync(path, fs.constants.X_OK);
    return fs.statSync(path).isFile();
  } catch {
    return false;
  }
}

function folderPaths(): string[] {
  return (vscode.workspace.workspaceFolders ?? [])
    .filter((f) => f.uri.scheme === "file")
    .map((f) => f.uri.fsPath);
}

export function currentServerSection(): Record<string, unknown> {
  return serverSection(JSON.parse(JSON.stringify(vscode.workspace.getConfiguration("delegate"))));
}

export type AskTaskText = () => Promise<string | undefined>;

export class ServerConnection implements vscode.Disposable {
  client: LanguageClient | undefined;
  private readonly taskListeners: Array<(change: TaskChanged) => void> = [];
  private readonly startListeners: Array<() => void> = [];
  private readonly progressListeners: Array<(token: string, title: string | undefined, message: string | undefined, done: boolean) => void> = [];
  private readonly progressTitles = new Map<string, string>();
  private readonly log: vscode.LogOutputChannel;
  private restarting: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly askTaskText: AskTaskText,
  ) {
    this.log = vscode.window.createOutputChannel("Delegate", { log: true });
  }

  onTaskChanged(listener: (change: TaskChanged) => void): void {
    this.taskListeners.push(listener);
  }

  /** Every work-done progress report of the server (the status item shows indexing). */
  onProgress(listener: (token: string, title: string | undefined, message: string | undefined, done: boolean) => void): void {
    this.progressListeners.push(listener);
  }

  onStarted(listener: () => void): void {
    this.startListeners.push(listener);
  }

  note(message: string): void {
    this.log.info(message);
  }

  showLogs(): void {
    this.log.show(true);
  }

  running(): boolean {
    return this.client?.state === State.Running;
  }

  async start(): Promise<boolean> {
    const raw = vscode.workspace.getConfiguration("delegate.server");
    const launch = launchSettings({ path: raw.get("path"), args: raw.get("args"), env: raw.get("env") });
    const resolution = resolveServer({
      configured: launch.path,
      folders: folderPaths(),
      pathEnv: process.env.PATH ?? "",
      platform: process.platform,
      isExecutable,
    });
    if (resolution.command === undefined) {
      this.log.error(notFoundMessage(resolution, launch.path));
      void this.offerInstall(notFoundMessage(resolution, launch.path));
      return false;
    }
    this.log.info(`starting ${resolution.command} ${launch.args.join(" ")}`);
    const serverOptions: ServerOptions = {
      command: resolution.command,
      args: launch.args,
      options: { env: { ...process.env, ...launch.env }, cwd: folderPaths()[0] },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ scheme: "file" }],
      outputChannel: this.log,
      initializationOptions: () => ({ delegate: currentServerSection() }),
      middleware: {
        workspace: {
          configuration: async (params, token, next) => {
            const answer = await next(params, token);
            if (!Array.isArray(answer)) {
              return answer;
            }
            return answer.map((item, i) =>
              params.items[i]?.section === "delegate" ? serverSection(item) : item,
            );
          },
        },
        handleWorkDoneProgress: (token, params, next) => {
          const key = String(token);
          if (params.kind === "begin") {
            this.progressTitles.set(key, params.title);
          }
          const title = this.progressTitles.get(key);
          for (const listener of this.progressListeners) {
            listener(key, title, params.message, params.kind === "end");
          }
          if (params.kind === "end") {
            this.progressTitles.delete(key);
          }
          next(token, params);
        },
        // the server's "Delegate task…" action comes without a text: ask for it first
        executeCommand: async (command, args, next) => {
          const completed = await withTaskText(command, args, this.askTaskText);
          return completed === undefined ? undefined : next(command, completed);
        },
      },
    };
    const client = new LanguageClient("delegate", "Delegate", serverOptions, clientOptions);
    client.registerFeature(new DelegateCapabilities());
    client.onNotification(TASK_CHANGED, (change: TaskChanged) => {
      for (const listener of this.taskListeners) {
        listener(change);
      }
    });
    this.client = client;
    try {
      await client.start();
    } catch (error) {
      this.log.error(`the server did not start: ${String(error)}`);
      void vscode.window.showErrorMessage(`Delegate: the server did not start (${String(error)}).`, "Show Logs").then(
        (choice) => choice && this.showLogs(),
      );
      return false;
    }
    await this.sendKey();
    for (const listener of this.startListeners) {
      listener();
    }
    return true;
  }

  /** Sends the stored key (if any) to the running server; the key itself is never logged. */
  async sendKey(): Promise<void> {
    const key = await this.secrets.get(SECRET_KEY);
    if (key && this.running()) {
      await this.client!.sendNotification(SET_API_KEY, { key });
      this.log.info("sent the API key from SecretStorage");
    }
  }

  /** Send a key the user just entered (empty clears it on the server). */
  async sendApiKey(key: string): Promise<void> {
    if (this.running()) {
      await this.client!.sendNotification(SET_API_KEY, { key });
    }
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client && client.state !== State.Stopped) {
      await client.stop(5000).catch(() => undefined);
    }
  }

  /** Restarts one after the other, so two quick restarts never leave two servers running. */
  restart(): Promise<boolean> {
    const next = this.restarting.then(async () => {
      await this.stop();
      return this.start();
    });
    this.restarting = next.catch(() => false);
    return next;
  }

  /** Tell the server its settings changed (without the client-only `server.*` keys). */
  async settingsChanged(): Promise<void> {
    if (this.running()) {
      await this.client!.sendNotification("workspace/didChangeConfiguration", {
        settings: { delegate: currentServerSection() },
      });
    }
  }

  async request<R>(method: string, params: unknown): Promise<R> {
    if (!this.running()) {
      throw new Error("the Delegate server is not running");
    }
    return this.client!.sendRequest<R>(method, params);
  }

  async command<R>(command: string, argument?: unknown): Promise<R> {
    return this.request<R>("workspace/executeCommand", {
      command,
      arguments: argument === undefined ? [] : [argument],
    });
  }

  private async offerInstall(message: string): Promise<void> {
    const choice = await vscode.window.showErrorMessage(message, OPEN_SETTINGS, INSTALL_STEPS);
    if (choice === OPEN_SETTINGS) {
      await vscode.commands.executeCommand("workbench.action.openSettings", "delegate.server");
    } else if (choice === INSTALL_STEPS) {
      await vscode.commands.executeCommand("delegate.showInstallSteps");
    }
  }

  dispose(): void {
    void this.stop();
    this.log.dispose();
  }
}
