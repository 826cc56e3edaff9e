/**
 * What the review shows, computed from a `delegate/proposal` response: for each file the
 * text on the left (the file as it is now) and on the right (now, plus every hunk that is
 * still open, at the place the server says it sits now). Deciding a hunk therefore makes it
 * disappear from the diff, and the user's typing moves the hunks with the text. Also the
 * `delegate-proposal:` URIs of both sides. Pure, no `vscode` import.
 */

import type { LspPosition, Proposal, ProposalFile, ProposalHunk } from "./protocol";

export const SCHEME = "delegate-proposal";
export type Side = "current" | "proposed";

/** The parts of a `delegate-proposal:` URI. */
export interface ProposalRef {
  taskId: string;
  path: string;
  side: Side;
}

/** `delegate-proposal:/<taskId>/<path>?side=…` — the path keeps the file's name and extension. */
export function proposalUri(ref: ProposalRef): { scheme: string; path: string; query: string } {
  return { scheme: SCHEME, path: `/${ref.taskId}/${ref.path}`, query: `side=${ref.side}` };
}

export function parseProposalUri(path: string, query: string): ProposalRef | undefined {
  const match = /^\/([^/]+)\/(.+)$/.exec(path);
  const side = new URLSearchParams(query).get("side");
  if (!match || (side !== "current" && side !== "proposed")) {
    return undefined;
  }
  return { taskId: match[1], path: match[2], side };
}

export function isOpen(hunk: ProposalHunk): boolean {
  return (hunk.state === "pending" || hunk.state === "conflicted") && !hunk.detached;
}

/** Offset of an LSP position (UTF-16 columns, as JavaScript strings count) in `text`. */
export function offsetAt(text: string, position: LspPosition): number {
  let line = 0;
  let index = 0;
  while (line < position.line && index < text.length) {
    const ch = text[index];
    index += 1;
    if (ch === "\r") {
      if (text[index] === "\n") {
        index += 1;
      }
      line += 1;
    } else if (ch === "\n") {
      line += 1;
    }
  }
  return Math.min(index + position.character, text.length);
}

/** The file's current text with every pending hunk that has a place applied. */
export function proposedText(file: ProposalFile): string {
  const current = file.current ?? "";
  if (file.op !== "modify") {
    // a create, delete or rename is one hunk; while it is open the right side is the agent's text
    const open = file.hunks.some((h) => h.state === "pending" && !h.detached);
    return open ? (file.proposed ?? "") : current;
  }
  const placed = file.hunks
    .filter((h) => h.state === "pending" && !h.detached && h.range !== null)
    .map((h) => ({
      start: offsetAt(current, h.range!.start),
      end: offsetAt(current, h.range!.end),
      text: h.newText,
    }))
    .sort((a, b) => b.start - a.start);
  let text = current;
  for (const edit of placed) {
    text = text.slice(0, edit.start) + edit.text + text.slice(edit.end);
  }
  return text;
}

export function sideText(file: ProposalFile, side: Side): string {
  return side === "current" ? (file.current ?? "") : proposedText(file);
}

export function findFile(proposal: Proposal, path: string): ProposalFile | undefined {
  return proposal.files.find((f) => f.path === path || f.oldPath === path);
}

/** One row of the multi-file diff: the real file and both virtual sides. */
export interface ReviewEntry {
  path: string;
  fileUri: string;
  left: ProposalRef;
  right: ProposalRef;
}

/** The files of the review, those with open hunks first, in the server's order. */
export function reviewEntries(proposal: Proposal): ReviewEntry[] {
  const entries = proposal.files.map((file) => ({
    path: file.path,
    fileUri: file.uri,
    left: { taskId: proposal.taskId, path: file.path, side: "current" as Side },
    right: { taskId: proposal.taskId, path: file.path, side: "proposed" as Side },
    open: file.hunks.some(isOpen),
  }));
  return [...entries.filter((e) => e.open), ...entries.filter((e) => !e.open)].map(
    ({ open: _open, ...entry }) => entry,
  );
}

export function reviewTitle(proposal: Proposal): string {
  const first = proposal.summary.split("\n")[0]?.trim() || proposal.taskId;
  return `Delegate: ${first}`;
}

/** "N hunks in M files" for notifications and the tree. */
export function hunkSummary(hunks: number, files: number): string {
  const h = `${hunks} hunk${hunks === 1 ? "" : "s"}`;
  const f = `${files} file${files === 1 ? "" : "s"}`;
  return `${h} in ${f}`;
}

export function openCounts(proposal: Proposal): { hunks: number; files: number } {
  let hunks = 0;
  let files = 0;
  for (const file of proposal.files) {
    const open = file.hunks.filter(isOpen).length;
    hunks += open;
    files += open > 0 ? 1 : 0;
  }
  return { hunks, files };
}

/** Pending hunk ranges of one file, for the editor decorations (conflicted hunks have none). */
export function pendingRanges(file: ProposalFile): Array<{ hunkId: string; startLine: number; endLine: number }> {
  return file.hunks
    .filter((h) => h.state === "pending" && !h.detached && h.range !== null)
    .map((h) => {
      const { start, end } = h.range!;
      // an insertion has an empty range: mark the line it goes before
      const last = end.character === 0 && end.line > start.line ? end.line - 1 : end.line;
      return { hunkId: h.id, startLine: start.line, endLine: Math.max(start.line, last) };
    });
}
