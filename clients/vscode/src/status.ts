/**
 * The language status item: indexing ("Indexing 312/1,665 files", from the server's progress
 * reports), running tasks and proposals to review (text from statusText.ts), refreshed from
 * `delegate.status` on every task change and every few seconds while the server runs.
 * Clicking it opens the task list.
 */

import * as vscode from "vscode";

import type { ServerStatus } from "./protocol";
import type { ProposalCache } from "./review";
import { openCounts } from "./reviewModel";
import type { ServerConnection } from "./server";
import { indexingText, statusSummary } from "./statusText";
import type { TaskTable } from "./taskModel";

const POLL_MS = 4000;

export class StatusItem implements vscode.Disposable {
  private readonly item = vscode.languages.createLanguageStatusItem("delegate.status", { scheme: "file" });
  private readonly timer: ReturnType<typeof setInterval>;
  private status: ServerStatus | undefined;
  private readonly indexing = new Map<string, string>();

  constructor(
    private readonly server: ServerConnection,
    private readonly tasks: TaskTable,
    private readonly cache: ProposalCache,
  ) {
    this.item.name = "Delegate";
    this.item.command = { title: "Show Tasks", command: "delegate.showTasks" };
    this.timer = setInterval(() => void this.refresh(), POLL_MS);
    this.render();
  }

  /** A progress report of the server: indexing reports show their counts until they end. */
  progress(token: string, title: string | undefined, message: string | undefined, done: boolean): void {
    const text = title === undefined ? undefined : indexingText(title, message);
    if (done || text === undefined) {
      this.indexing.delete(token);
    } else {
      this.indexing.set(token, text);
    }
    this.render();
  }

  async refresh(): Promise<void> {
    if (this.server.running()) {
      try {
        this.status = await this.server.command<ServerStatus>("delegate.status");
      } catch {
        this.status = undefined;
      }
    }
    this.render();
  }

  render(): void {
    const pending = this.cache.all().filter((p) => openCounts(p).hunks > 0).length;
    const indexing = [...this.indexing.values()].at(-1);
    const summary = statusSummary(this.status, this.tasks.running(), pending, this.server.running(), indexing);
    this.item.text = summary.text;
    this.item.detail = summary.detail;
    this.item.busy = summary.busy;
    this.item.severity =
      this.server.running() && this.status?.apiKeyPresent !== false
        ? vscode.LanguageStatusSeverity.Information
        : vscode.LanguageStatusSeverity.Warning;
  }

  dispose(): void {
    clearInterval(this.timer);
    this.item.dispose();
  }
}
