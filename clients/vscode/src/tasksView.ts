/**
 * The Delegate view in the activity bar: tasks with state, phase, iteration and cost, and
 * under each its proposal's files and hunks (nodes from taskModel.ts). Menus on the nodes
 * (package.json, by `contextValue`) run Review, Cancel, Revise, Open Trace and the per-hunk
 * and per-file decisions.
 */

import * as vscode from "vscode";

import type { ProposalCache } from "./review";
import { hunkNodes, type Node, type TaskTable, taskChildren, taskNode } from "./taskModel";

export class TasksView implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(
    private readonly tasks: TaskTable,
    private readonly cache: ProposalCache,
  ) {}

  refresh(): void {
    this.changed.fire(undefined);
  }

  getTreeItem(node: Node): vscode.TreeItem {
    const item = new vscode.TreeItem(
      node.label,
      node.expandable ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None,
    );
    item.id = node.id;
    item.description = node.description;
    item.tooltip = node.tooltip;
    item.contextValue = node.contextValue;
    item.iconPath = new vscode.ThemeIcon(node.icon); // "sync~spin" spins
    if (node.kind === "hunk" && node.uri) {
      const line = node.line ?? 0;
      item.command = {
        command: "vscode.open",
        title: "Open",
        arguments: [vscode.Uri.parse(node.uri), { selection: new vscode.Range(line, 0, line, 0) }],
      };
    }
    return item;
  }

  getChildren(node?: Node): Node[] {
    if (!node) {
      const nodes = this.tasks.all().map((task) => taskNode(task, this.cache.get(task.taskId)));
      // proposals of tasks this server did not run (loaded from disk) still get a node
      for (const proposal of this.cache.all()) {
        if (!this.tasks.get(proposal.taskId)) {
          nodes.push(
            taskNode({ taskId: proposal.taskId, instruction: proposal.summary, state: "succeeded", costUsd: proposal.costUsd, seen: -1 }, proposal),
          );
        }
      }
      return nodes;
    }
    if (node.kind === "task") {
      const task = this.tasks.get(node.taskId) ?? { taskId: node.taskId, seen: -1 };
      return taskChildren(task, this.cache.get(node.taskId));
    }
    if (node.kind === "file" && node.path) {
      const proposal = this.cache.get(node.taskId);
      return proposal ? hunkNodes(proposal, node.path) : [];
    }
    return [];
  }

  dispose(): void {
    this.changed.dispose();
  }
}
