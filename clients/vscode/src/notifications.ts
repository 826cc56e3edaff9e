/**
 * Task outcomes as VS Code notifications (texts and buttons from outcomes.ts): a failure
 * says its cause and offers the fix ("Set API Key", …); a proposal that arrives says
 * "Proposal ready: N hunks in M files" with "Review". Each outcome is shown once, whether
 * the server announces it in the final `delegate/taskChanged` (`proposal`) or only through
 * `proposalVersion` and `delegate/proposals`.
 */

import * as vscode from "vscode";

import {
  type Notice,
  noChangesNotice,
  OPEN_SETTINGS,
  OPEN_TRACE,
  outcomeOf,
  proposalNotice,
  REVIEW,
  REVISE,
  SET_API_KEY,
  SHOW_LOGS,
} from "./outcomes";
import type { TaskChanged } from "./protocol";
import type { ProposalCache } from "./review";
import { openCounts } from "./reviewModel";

/** How long a "succeeded" waits for the proposal's own announcement before asking. */
const PROPOSAL_GRACE_MS = 1500;

export class TaskNotifier {
  private readonly shown = new Set<string>();

  constructor(private readonly cache: ProposalCache) {}

  handle(change: TaskChanged): void {
    if (change.proposalVersion !== undefined && (change.openHunks ?? 1) > 0) {
      void this.announceProposal(change.taskId, change.proposalVersion);
      return;
    }
    const outcome = outcomeOf(change);
    if (outcome.kind === "notice") {
      const key = change.proposal
        ? `${change.taskId}@${change.proposal.version}`
        : `${change.taskId}:${change.state}`;
      this.show(key, outcome.notice, change.taskId);
    } else if (outcome.kind === "askProposals") {
      setTimeout(() => void this.afterSuccess(change), PROPOSAL_GRACE_MS);
    }
  }

  private async announceProposal(taskId: string, version: number): Promise<void> {
    const key = `${taskId}@${version}`;
    if (this.shown.has(key)) {
      return;
    }
    this.shown.add(key);
    const proposal = await this.cache.refresh(taskId);
    if (proposal) {
      const { hunks, files } = openCounts(proposal);
      this.display(proposalNotice(hunks, files), taskId);
    }
  }

  private async afterSuccess(change: TaskChanged): Promise<void> {
    if ([...this.shown].some((key) => key.startsWith(`${change.taskId}@`))) {
      return;
    }
    const proposal = await this.cache.refresh(change.taskId);
    if (proposal) {
      await this.announceProposal(change.taskId, proposal.version);
    } else {
      this.show(`${change.taskId}:succeeded`, noChangesNotice(change), change.taskId);
    }
  }

  private show(key: string, notice: Notice, taskId: string): void {
    if (this.shown.has(key)) {
      return;
    }
    this.shown.add(key);
    this.display(notice, taskId);
  }

  private display(notice: Notice, taskId: string): void {
    const show =
      notice.severity === "error"
        ? vscode.window.showErrorMessage
        : notice.severity === "warning"
          ? vscode.window.showWarningMessage
          : vscode.window.showInformationMessage;
    void show(notice.text, ...notice.actions).then((choice) => {
      const commands: Record<string, [string, unknown?]> = {
        [SET_API_KEY]: ["delegate.setApiKey"],
        [SHOW_LOGS]: ["delegate.showLogs"],
        [OPEN_TRACE]: ["delegate.openTrace", { taskId }],
        [REVIEW]: ["delegate.reviewProposal", { taskId }],
        [REVISE]: ["delegate.reviseTask", { taskId }],
        [OPEN_SETTINGS]: ["workbench.action.openSettings", "delegate"],
      };
      const target = choice ? commands[choice] : undefined;
      if (target) {
        void vscode.commands.executeCommand(target[0], ...(target[1] === undefined ? [] : [target[1]]));
      }
    });
  }
}
