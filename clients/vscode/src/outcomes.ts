/**
 * What the user is told when a task ends: the text and the buttons of the notification,
 * from the final `delegate/taskChanged`. Servers that implement the client contract send
 * `errorKind` and `proposal`; older ones send only `message`, so the cause is also read
 * from the message text. Pure: notifications.ts shows the result.
 */

import type { ErrorKind, TaskChanged } from "./protocol";
import { hunkSummary } from "./reviewModel";

export const SET_API_KEY = "Set API Key";
export const SHOW_LOGS = "Show Logs";
export const OPEN_TRACE = "Open Trace";
export const REVIEW = "Review";
export const REVISE = "Revise with Feedback…";
export const OPEN_SETTINGS = "Open Settings";
export const INSTALL_STEPS = "Show install steps";

export type Severity = "info" | "warning" | "error";

export interface Notice {
  severity: Severity;
  text: string;
  actions: string[];
}

/** The failure's kind: the server's `errorKind`, else guessed from the message. */
export function failureKind(change: TaskChanged): ErrorKind {
  if (change.errorKind) {
    return change.errorKind;
  }
  const message = (change.message ?? "").toLowerCase();
  if (message.includes("no api key") || message.includes("api key")) {
    return "no_api_key";
  }
  if (message.startsWith("interrupted") || message.includes("interrupted:")) {
    return "interrupted";
  }
  if (/budget|cost limit|iterations|wall.?clock|tool calls/.test(message)) {
    return "budget";
  }
  if (/model|api|anthropic|http|connection|rate limit|overloaded|timed out|status/.test(message)) {
    return "model_unreachable";
  }
  if (message.includes("test")) {
    return "tests";
  }
  return "internal";
}

function cleaned(message: string | null | undefined): string {
  return (message ?? "").replace(/^failed:\s*/i, "").trim();
}

/** The notice for a task that failed. */
export function failureNotice(change: TaskChanged): Notice {
  const kind = failureKind(change);
  const cause = cleaned(change.message) || "no reason given";
  switch (kind) {
    case "no_api_key":
      return {
        severity: "error",
        text: `Delegate: the task needs an Anthropic API key. ${cause}`,
        actions: [SET_API_KEY],
      };
    case "model_unreachable":
      return {
        severity: "error",
        text: `Delegate: the model failed: ${cause}`,
        actions: [SHOW_LOGS, OPEN_SETTINGS],
      };
    case "budget":
      return { severity: "warning", text: `Delegate: the task ran out of budget: ${cause}`, actions: [OPEN_TRACE, OPEN_SETTINGS] };
    case "tests":
      return { severity: "warning", text: `Delegate: the tests did not pass: ${cause}`, actions: [OPEN_TRACE, REVISE] };
    case "interrupted":
      return { severity: "warning", text: `Delegate: the task was interrupted: ${cause}`, actions: [OPEN_TRACE] };
    default:
      return { severity: "error", text: `Delegate: the task failed: ${cause}`, actions: [SHOW_LOGS, OPEN_TRACE] };
  }
}

export function proposalNotice(hunks: number, files: number): Notice {
  return {
    severity: "info",
    text: `Proposal ready: ${hunkSummary(hunks, files)}`,
    actions: [REVIEW],
  };
}

export type Outcome =
  | { kind: "notice"; notice: Notice }
  /** It succeeded without saying whether it has a proposal: ask `delegate/proposals`. */
  | { kind: "askProposals" }
  | { kind: "none" };

export function outcomeOf(change: TaskChanged): Outcome {
  if (change.proposal) {
    return { kind: "notice", notice: proposalNotice(change.proposal.hunks, change.proposal.files) };
  }
  switch (change.state) {
    case "failed":
      return { kind: "notice", notice: failureNotice(change) };
    case "cancelled":
      return { kind: "notice", notice: { severity: "info", text: "Delegate: task cancelled.", actions: [] } };
    case "succeeded":
      return { kind: "askProposals" };
    default:
      return { kind: "none" };
  }
}

export function noChangesNotice(change: TaskChanged): Notice {
  const why = cleaned(change.message);
  return {
    severity: "info",
    text: `Delegate: the task finished without changes${why ? `: ${why}` : "."}`,
    actions: [OPEN_TRACE],
  };
}
