/** The language status item's text, from `delegate.status` and the task table. Pure. */

import type { ServerStatus } from "./protocol";

export interface StatusSummary {
  text: string;
  detail: string;
  busy: boolean;
}

function count(n: number): string {
  return n.toLocaleString("en-US");
}

export function statusSummary(
  status: ServerStatus | undefined,
  running: number,
  pendingProposals: number,
  serverRunning: boolean,
  indexing?: string,
): StatusSummary {
  if (!serverRunning) {
    return { text: "Delegate: stopped", detail: "The server is not running", busy: false };
  }
  const parts: string[] = [];
  let busy = false;
  const folders = status?.folders ?? [];
  const updating = folders.filter((f) => f.updating);
  if (indexing) {
    busy = true;
    parts.push(indexing);
  } else if (updating.length > 0) {
    busy = true;
    const files = updating.reduce((sum, f) => sum + (f.files ?? 0), 0);
    parts.push(`Indexing ${count(files)} files`);
  } else if (folders.length > 0) {
    const files = folders.reduce((sum, f) => sum + (f.files ?? 0), 0);
    parts.push(`${count(files)} files indexed`);
  }
  if (running > 0) {
    busy = true;
  }
  parts.push(`${running} running`);
  parts.push(`${pendingProposals} to review`);
  const errors = folders.filter((f) => f.error).map((f) => f.error);
  const key = status && !status.apiKeyPresent ? "No API key set" : "";
  return {
    text: `Delegate: ${parts.join(", ")}`,
    detail: [key, ...errors].filter((s) => s).join("; ") || "Click to show the tasks",
    busy,
  };
}

/**
 * The status text of an indexing progress report, e.g. "Indexing 312/1,665 files" from the
 * server's `$/progress` message "312/1665 files" under a "Delegate: indexing …" title;
 * undefined for other progress (tasks) and for messages without counts.
 */
export function indexingText(title: string, message: string | undefined): string | undefined {
  if (!title.startsWith("Delegate: indexing")) {
    return undefined;
  }
  const match = /(\d+)\s*\/\s*(\d+)/.exec(message ?? "");
  return match ? `Indexing ${count(Number(match[1]))}/${count(Number(match[2]))} files` : "Indexing…";
}
