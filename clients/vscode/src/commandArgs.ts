/**
 * The arguments the extension's commands send to the server's commands (docs/protocol.md,
 * docs/proposals.md), from what VS Code hands a command: a tree node, an editor's URI
 * (the real file, or a `delegate-proposal:` side of the review) or nothing. Pure.
 */

import { parseProposalUri } from "./reviewModel";

export interface Range {
  start: { line: number; character: number };
  end: { line: number; character: number };
}

export interface TaskArgs {
  uri: string;
  range: Range;
  text?: string;
}

/** `delegate.task` / `delegate.generateTests`: the selection (or the cursor) is the focus. */
export function taskArgs(uri: string, selection: Range, text: string | undefined): TaskArgs {
  const args: TaskArgs = { uri, range: selection };
  const trimmed = text?.trim();
  if (trimmed) {
    args.text = trimmed;
  }
  return args;
}

export type Scope = "hunk" | "file" | "all";

export interface ReviewTarget {
  taskId?: string;
  uri?: string;
  path?: string;
  hunkId?: string;
}

/** What a review command was invoked on, from its first argument. */
export function reviewTarget(arg: unknown): ReviewTarget {
  if (typeof arg !== "object" || arg === null) {
    return {};
  }
  const value = arg as Record<string, unknown>;
  const str = (key: string): string | undefined =>
    typeof value[key] === "string" ? (value[key] as string) : undefined;
  // a vscode.Uri (editor title): scheme/path/query are strings on it
  if (str("scheme") !== undefined && str("path") !== undefined) {
    if (value.scheme === "delegate-proposal") {
      const ref = parseProposalUri(str("path")!, str("query") ?? "");
      return ref ? { taskId: ref.taskId, path: ref.path } : {};
    }
    // the multi-file diff editor's title bar hands over its own `multi-diff-editor:` URI,
    // which names no file: the command then asks which one
    return value.scheme === "file" ? { uri: String(arg) } : {};
  }
  return { taskId: str("taskId"), uri: str("uri"), path: str("path"), hunkId: str("hunkId") };
}

/** The server command and its argument for a decision, or what is still missing. */
export function decisionCommand(
  verb: "accept" | "reject",
  scope: Scope,
  target: ReviewTarget,
): { command: string; argument: Record<string, string> } | { missing: "taskId" | "file" | "hunkId" } {
  if (!target.taskId) {
    return { missing: "taskId" };
  }
  const where: Record<string, string> = {};
  if (target.uri) {
    where.uri = target.uri;
  } else if (target.path) {
    where.path = target.path;
  }
  if (scope === "all") {
    return { command: `delegate.${verb}All`, argument: { taskId: target.taskId } };
  }
  if (!where.uri && !where.path) {
    return { missing: "file" };
  }
  if (scope === "file") {
    return { command: `delegate.${verb}File`, argument: { taskId: target.taskId, ...where } };
  }
  if (!target.hunkId) {
    return { missing: "hunkId" };
  }
  return {
    command: `delegate.${verb}Hunk`,
    argument: { taskId: target.taskId, ...where, hunkId: target.hunkId },
  };
}

/**
 * The arguments of a server command as they should go out: a `delegate.task` without `text`
 * gets the user's answer to `ask`; undefined when the user gave none (nothing is sent).
 */
export async function withTaskText(
  command: string,
  args: unknown[],
  ask: () => Promise<string | undefined>,
): Promise<unknown[] | undefined> {
  const first = args[0];
  if (command !== "delegate.task" || typeof first !== "object" || first === null || (first as { text?: unknown }).text) {
    return args;
  }
  const text = (await ask())?.trim();
  return text ? [{ ...first, text }, ...args.slice(1)] : undefined;
}
