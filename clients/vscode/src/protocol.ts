/**
 * The Delegate server's custom protocol as the extension sees it: method names and the
 * shapes of their payloads (docs/protocol.md, docs/proposals.md). Plain data only, so the
 * pure modules and their unit tests can use it without the `vscode` API.
 */

export const TASK_CHANGED = "delegate/taskChanged";
export const PROPOSAL = "delegate/proposal";
export const PROPOSALS = "delegate/proposals";
export const TASKS = "delegate/tasks";
export const SET_API_KEY = "delegate/setApiKey";

/** What this client announces in `initialize` (the client contract in docs/protocol.md). */
export const CLIENT_CAPABILITIES = { prompt: true, taskUi: true, review: true } as const;

export type TaskState = "queued" | "running" | "succeeded" | "failed" | "cancelled";

export type ErrorKind =
  | "no_api_key"
  | "model_unreachable"
  | "budget"
  | "interrupted"
  | "tests"
  | "internal";

export interface ProposalAnnouncement {
  taskId: string;
  version: number;
  files: number;
  hunks: number;
  firstUri?: string;
}

/** `delegate/taskChanged`; everything but `taskId` may be missing on older servers. */
export interface TaskChanged {
  taskId: string;
  state?: TaskState;
  phase?: string;
  iteration?: number;
  costUsd?: number;
  message?: string | null;
  errorKind?: ErrorKind;
  proposal?: ProposalAnnouncement;
  proposalVersion?: number;
  openHunks?: number;
  hunkStates?: Record<string, number>;
  instruction?: string;
  file?: string | null;
  kind?: string;
}

export interface LspPosition {
  line: number;
  character: number;
}

export interface LspRange {
  start: LspPosition;
  end: LspPosition;
}

export type HunkState = "pending" | "accepted" | "rejected" | "conflicted" | "applied";

export interface ProposalHunk {
  id: string;
  kind: string;
  state: HunkState;
  detached: boolean;
  comment: string;
  baseStart: number;
  baseEnd: number;
  proposedStart: number;
  oldText: string;
  newText: string;
  diff: string;
  range: LspRange | null;
  reason?: string;
}

export type FileOp = "modify" | "create" | "delete" | "rename";

export interface ProposalFile {
  path: string;
  uri: string;
  oldPath: string | null;
  op: FileOp;
  base: string | null;
  current: string | null;
  proposed: string | null;
  hunks: ProposalHunk[];
}

/** One entry of `delegate/proposals`. */
export interface ProposalSummary {
  taskId: string;
  version: number;
  folder: string;
  summary: string;
  costUsd: number;
  counts: Record<string, number>;
  openHunks: number;
  paths: string[];
}

/** `delegate/proposal` result: the summary's fields plus the files. */
export interface Proposal extends ProposalSummary {
  versions: number[];
  traceId?: string | null;
  files: ProposalFile[];
}

/** `delegate.status` result (the parts the status item shows). */
export interface ServerStatus {
  folders: Array<{
    folder: string;
    indexed: boolean;
    updating: boolean;
    files: number;
    chunks: number;
    error: string | null;
  }>;
  tasks: unknown[];
  apiKeyPresent: boolean;
}
