/**
 * Reviewing a proposal in VS Code's own multi-file diff editor.
 *
 * Both sides are read-only virtual documents on the `delegate-proposal:` scheme, built from
 * `delegate/proposal` (reviewModel.ts): the file as it is now on the left, now plus the
 * still-open hunks on the right. Each decision, and the user's typing in a file the proposal
 * touches, re-fetches the proposal and fires `onDidChange`, so the diff follows. Pending
 * regions are also decorated in the open editors of the real files.
 */

import * as vscode from "vscode";

import { PROPOSAL, PROPOSALS, type Proposal, type ProposalSummary } from "./protocol";
import {
  findFile,
  parseProposalUri,
  pendingRanges,
  proposalUri,
  reviewEntries,
  reviewTitle,
  SCHEME,
  sideText,
  type ProposalRef,
} from "./reviewModel";
import type { ServerConnection } from "./server";

export function refUri(ref: ProposalRef): vscode.Uri {
  return vscode.Uri.from(proposalUri(ref));
}

export class ProposalCache implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly proposals = new Map<string, Proposal>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  private readonly refreshed = new vscode.EventEmitter<string>();
  readonly onDidChange = this.changed.event;
  /** Fires a task id whenever that task's proposal was fetched again. */
  readonly onDidRefresh = this.refreshed.event;

  constructor(private readonly server: ServerConnection) {}

  get(taskId: string): Proposal | undefined {
    return this.proposals.get(taskId);
  }

  all(): Proposal[] {
    return [...this.proposals.values()];
  }

  /** Fetch one proposal again; undefined (and forgotten) when the server has none. */
  async refresh(taskId: string): Promise<Proposal | undefined> {
    let proposal: Proposal | undefined;
    try {
      proposal = await this.server.request<Proposal>(PROPOSAL, { taskId });
    } catch {
      proposal = undefined;
    }
    if (proposal && Array.isArray(proposal.files)) {
      this.proposals.set(taskId, proposal);
      for (const entry of reviewEntries(proposal)) {
        this.changed.fire(refUri(entry.left));
        this.changed.fire(refUri(entry.right));
      }
    } else {
      this.proposals.delete(taskId);
    }
    this.refreshed.fire(taskId);
    return proposal;
  }

  /** The proposals with open hunks, as `delegate/proposals` lists them, each fetched in full. */
  async refreshAll(): Promise<void> {
    let listed: ProposalSummary[] = [];
    try {
      listed = (await this.server.request<{ proposals: ProposalSummary[] }>(PROPOSALS, {})).proposals ?? [];
    } catch {
      return;
    }
    await Promise.all(listed.map((p) => this.refresh(p.taskId)));
  }

  async refreshFile(uri: vscode.Uri): Promise<void> {
    const touched = this.all().filter((p) => p.files.some((f) => f.uri === uri.toString()));
    await Promise.all(touched.map((p) => this.refresh(p.taskId)));
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    const ref = parseProposalUri(uri.path, uri.query);
    const proposal = ref && this.proposals.get(ref.taskId);
    const file = proposal && ref ? findFile(proposal, ref.path) : undefined;
    return file && ref ? sideText(file, ref.side) : "";
  }

  dispose(): void {
    this.changed.dispose();
    this.refreshed.dispose();
  }
}

/** Open the multi-file diff editor over a proposal (fetched first). */
export async function openReview(cache: ProposalCache, taskId: string): Promise<boolean> {
  const proposal = await cache.refresh(taskId);
  if (!proposal) {
    void vscode.window.showWarningMessage(`Delegate: task ${taskId} has no proposal to review.`);
    return false;
  }
  const resources = reviewEntries(proposal).map((entry) => [
    vscode.Uri.parse(entry.fileUri),
    refUri(entry.left),
    refUri(entry.right),
  ]);
  await vscode.commands.executeCommand("vscode.changes", reviewTitle(proposal), resources);
  return true;
}

/** Whole-line marks over the pending regions in the editors of the real files. */
export class PendingDecorations implements vscode.Disposable {
  private readonly type = vscode.window.createTextEditorDecorationType({
    isWholeLine: true,
    backgroundColor: new vscode.ThemeColor("diffEditor.insertedLineBackground"),
    overviewRulerColor: new vscode.ThemeColor("editorOverviewRuler.addedForeground"),
    overviewRulerLane: vscode.OverviewRulerLane.Left,
  });

  constructor(private readonly cache: ProposalCache) {}

  update(): void {
    for (const editor of vscode.window.visibleTextEditors) {
      if (editor.document.uri.scheme !== "file") {
        continue;
      }
      const key = editor.document.uri.toString();
      const ranges: vscode.DecorationOptions[] = [];
      for (const proposal of this.cache.all()) {
        for (const file of proposal.files.filter((f) => f.uri === key)) {
          for (const mark of pendingRanges(file)) {
            ranges.push({
              range: new vscode.Range(mark.startLine, 0, mark.endLine, 0),
              hoverMessage: `Delegate proposal (${proposal.taskId}): pending change ${mark.hunkId}`,
            });
          }
        }
      }
      editor.setDecorations(this.type, ranges);
    }
  }

  dispose(): void {
    this.type.dispose();
  }
}

export { SCHEME };
