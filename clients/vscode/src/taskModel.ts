/**
 * The client's picture of the tasks: records from `delegate/tasks`, updated field by field
 * from `delegate/taskChanged`, and the nodes of the Delegate tree (task → file → hunk) built
 * from them and from `delegate/proposal` responses. Pure data; tasksView.ts turns nodes into
 * `vscode.TreeItem`s.
 */

import type { Proposal, TaskChanged } from "./protocol";
import { hunkSummary, isOpen, openCounts } from "./reviewModel";

export interface TaskInfo extends TaskChanged {
  /** Order of first sight, so the tree lists the newest first. */
  seen: number;
}

export class TaskTable {
  private readonly tasks = new Map<string, TaskInfo>();
  private counter = 0;

  /** Merge a notification or record; fields it lacks keep their old values. */
  update(change: TaskChanged): TaskInfo {
    const old = this.tasks.get(change.taskId);
    const defined = Object.fromEntries(
      Object.entries(change).filter(([, value]) => value !== undefined),
    ) as TaskChanged;
    const merged: TaskInfo = { ...(old ?? { seen: this.counter++ }), ...defined };
    this.tasks.set(change.taskId, merged);
    return merged;
  }

  get(taskId: string): TaskInfo | undefined {
    return this.tasks.get(taskId);
  }

  all(): TaskInfo[] {
    return [...this.tasks.values()].sort((a, b) => b.seen - a.seen);
  }

  running(): number {
    return this.all().filter((t) => t.state === "running" || t.state === "queued").length;
  }
}

export type NodeKind = "task" | "file" | "hunk" | "message";

/** A tree node as plain data. `contextValue` drives the menus in package.json. */
export interface Node {
  id: string;
  kind: NodeKind;
  label: string;
  description: string;
  tooltip: string;
  contextValue: string;
  expandable: boolean;
  icon: string;
  taskId: string;
  path?: string;
  uri?: string;
  hunkId?: string;
  /** 0-based line of the hunk in the current file, to open it there. */
  line?: number;
}

const ICONS: Record<string, string> = {
  queued: "clock",
  running: "sync~spin",
  succeeded: "check",
  failed: "error",
  cancelled: "circle-slash",
};

function firstLine(text: string | null | undefined): string {
  return (text ?? "").split("\n")[0]?.trim() ?? "";
}

export function formatCost(cost: number | undefined): string {
  return cost === undefined ? "" : `$${cost.toFixed(cost < 0.1 ? 4 : 2)}`;
}

export function taskNode(task: TaskInfo, proposal: Proposal | undefined): Node {
  const state = task.state ?? "queued";
  const parts: string[] = [state];
  if (task.phase && task.phase !== state && state === "running") {
    parts.push(task.phase);
  }
  if (task.iteration !== undefined && task.iteration > 0) {
    parts.push(`iteration ${task.iteration}`);
  }
  const cost = formatCost(task.costUsd);
  if (cost) {
    parts.push(cost);
  }
  let contextValue = `task.${state}`;
  if (proposal) {
    const { hunks, files } = openCounts(proposal);
    if (hunks > 0) {
      parts.push(hunkSummary(hunks, files) + " to review");
      contextValue += ".proposal";
    }
  }
  const label = firstLine(task.instruction) || task.taskId;
  const tooltip = [label, task.message ?? "", `task ${task.taskId}`].filter((s) => s).join("\n");
  return {
    id: `task:${task.taskId}`,
    kind: "task",
    label,
    description: parts.join(" · "),
    tooltip,
    contextValue,
    expandable: true,
    icon: ICONS[state] ?? "circle-outline",
    taskId: task.taskId,
  };
}

/** Children of a task: a failure's cause, then its proposal's files. */
export function taskChildren(task: TaskInfo, proposal: Proposal | undefined): Node[] {
  const nodes: Node[] = [];
  if (task.state === "failed" && task.message) {
    nodes.push({
      id: `message:${task.taskId}`,
      kind: "message",
      label: firstLine(task.message),
      description: "",
      tooltip: task.message,
      contextValue: "message",
      expandable: false,
      icon: "warning",
      taskId: task.taskId,
    });
  }
  for (const file of proposal?.files ?? []) {
    const open = file.hunks.filter(isOpen).length;
    const op = file.op === "modify" ? "" : `${file.op} · `;
    nodes.push({
      id: `file:${task.taskId}:${file.path}`,
      kind: "file",
      label: file.path,
      description: `${op}${open} of ${file.hunks.length} open`,
      tooltip: file.uri,
      contextValue: open > 0 ? "file.open" : "file.decided",
      expandable: file.hunks.length > 0,
      icon: file.op === "create" ? "new-file" : file.op === "delete" ? "trash" : "file",
      taskId: task.taskId,
      path: file.path,
      uri: file.uri,
    });
  }
  return nodes;
}

export function hunkNodes(proposal: Proposal, path: string): Node[] {
  const file = proposal.files.find((f) => f.path === path);
  if (!file) {
    return [];
  }
  return file.hunks.map((hunk) => {
    const where = hunk.range ? `line ${hunk.range.start.line + 1}` : `base line ${hunk.baseStart + 1}`;
    const shown = firstLine(hunk.newText) || `− ${firstLine(hunk.oldText)}`;
    const why = hunk.state === "conflicted" ? (hunk.reason ?? "your edits touch these lines") : "";
    return {
      id: `hunk:${proposal.taskId}:${path}:${hunk.id}`,
      kind: "hunk" as const,
      label: file.op === "modify" ? `${where}: ${shown}` : `${file.op} ${path}`,
      description: why ? `conflicted: ${why}` : hunk.state,
      tooltip: hunk.diff || hunk.newText,
      contextValue: `hunk.${hunk.state}`,
      expandable: false,
      icon: hunk.state === "applied" ? "check" : hunk.state === "rejected" ? "close" : hunk.state === "conflicted" ? "warning" : "diff",
      taskId: proposal.taskId,
      path,
      uri: file.uri,
      hunkId: hunk.id,
      line: hunk.range?.start.line,
    };
  });
}
