/**
 * A small stand-in for the `vscode` module, enough for the view and command modules to load
 * and be exercised in unit tests: it records registered commands and shown messages.
 */

export const registered = new Map<string, (...args: unknown[]) => unknown>();
export const executed: Array<{ command: string; args: unknown[] }> = [];
export const messages: Array<{ kind: string; text: string; actions: string[] }> = [];
/** Answers the next input boxes get, in order (undefined: the user pressed Escape). */
export const inputs: Array<string | undefined> = [];
export const shownDocuments: string[] = [];

export class Disposable {
  constructor(private readonly onDispose: () => void = () => undefined) {}
  dispose(): void {
    this.onDispose();
  }
}

export class EventEmitter<T> {
  private listeners: Array<(value: T) => void> = [];
  event = (listener: (value: T) => void): Disposable => {
    this.listeners.push(listener);
    return new Disposable(() => (this.listeners = this.listeners.filter((l) => l !== listener)));
  };
  fire(value: T): void {
    for (const listener of this.listeners) {
      listener(value);
    }
  }
  dispose(): void {
    this.listeners = [];
  }
}

export class Uri {
  constructor(
    readonly scheme: string,
    readonly authority: string,
    readonly path: string,
    readonly query: string,
    readonly fragment: string,
  ) {}
  static parse(value: string): Uri {
    const url = new URL(value);
    return new Uri(url.protocol.replace(/:$/, ""), url.host, decodeURIComponent(url.pathname), url.search.replace(/^\?/, ""), "");
  }
  static file(path: string): Uri {
    return new Uri("file", "", path, "", "");
  }
  static from(parts: { scheme: string; path?: string; query?: string }): Uri {
    return new Uri(parts.scheme, "", parts.path ?? "", parts.query ?? "", "");
  }
  get fsPath(): string {
    return this.path;
  }
  toString(): string {
    const query = this.query ? `?${this.query}` : "";
    return this.scheme === "file" ? `file://${this.path}${query}` : `${this.scheme}:${this.path}${query}`;
  }
}

export class Range {
  constructor(
    readonly startLine: number,
    readonly startCharacter: number,
    readonly endLine: number,
    readonly endCharacter: number,
  ) {}
}

export class ThemeIcon {
  constructor(readonly id: string) {}
}

export class ThemeColor {
  constructor(readonly id: string) {}
}

export enum TreeItemCollapsibleState {
  None = 0,
  Collapsed = 1,
  Expanded = 2,
}

export class TreeItem {
  id?: string;
  description?: string;
  tooltip?: string;
  contextValue?: string;
  iconPath?: ThemeIcon;
  command?: { command: string; title: string; arguments?: unknown[] };
  constructor(
    readonly label: string,
    readonly collapsibleState: TreeItemCollapsibleState,
  ) {}
}

export enum OverviewRulerLane {
  Left = 1,
}

export enum LanguageStatusSeverity {
  Information = 0,
  Warning = 1,
  Error = 2,
}

function show(kind: string) {
  return (text: string, ...actions: string[]): Promise<string | undefined> => {
    messages.push({ kind, text, actions });
    return Promise.resolve(undefined);
  };
}

export const window = {
  showInformationMessage: show("info"),
  showWarningMessage: show("warning"),
  showErrorMessage: show("error"),
  showInputBox: () => Promise.resolve(inputs.shift()),
  showTextDocument: (uri: Uri) => {
    shownDocuments.push(uri.toString());
    return Promise.resolve(undefined);
  },
  showQuickPick: () => Promise.resolve(undefined),
  activeTextEditor: undefined,
  visibleTextEditors: [],
  createTextEditorDecorationType: () => new Disposable(),
  createOutputChannel: () => ({ info() {}, error() {}, show() {}, dispose() {} }),
};

export const commands = {
  registerCommand(id: string, run: (...args: unknown[]) => unknown): Disposable {
    if (registered.has(id)) {
      throw new Error(`command ${id} registered twice`);
    }
    registered.set(id, run);
    return new Disposable(() => registered.delete(id));
  },
  executeCommand(command: string, ...args: unknown[]): Promise<unknown> {
    executed.push({ command, args });
    return Promise.resolve(undefined);
  },
};

export const workspace = {
  workspaceFolders: [{ uri: Uri.file("/work/app") }],
  getConfiguration: () => ({ get: () => undefined }),
};

export const languages = {};
