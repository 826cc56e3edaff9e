/**
 * Finding the `delegate` executable: the `delegate.server.path` setting when given,
 * else the workspace's own virtual environment (`.venv`, then `venv`), else `PATH`.
 * Pure: the file-system check is passed in, and every place tried is reported so the
 * "server not found" notification can say what was looked at.
 */

export interface Resolution {
  /** The executable to run, or undefined when none of the candidates exists. */
  command: string | undefined;
  /** Every path that was checked, in order. */
  tried: string[];
}

export interface ResolveInput {
  configured: string;
  folders: string[];
  pathEnv: string;
  platform: string;
  isExecutable: (path: string) => boolean;
}

function join(dir: string, name: string, windows: boolean): string {
  const sep = windows ? "\\" : "/";
  return dir.endsWith(sep) || dir.endsWith("/") ? dir + name : dir + sep + name;
}

function isAbsolute(path: string, windows: boolean): boolean {
  return path.startsWith("/") || (windows && /^[A-Za-z]:[\\/]/.test(path));
}

export function resolveServer(input: ResolveInput): Resolution {
  const windows = input.platform === "win32";
  const exe = windows ? "delegate.exe" : "delegate";
  const venvBin = windows ? "Scripts" : "bin";
  const candidates: string[] = [];
  const configured = input.configured.replace(/\$\{workspaceFolder\}/g, input.folders[0] ?? "");
  const onPath = (name: string): string[] =>
    input.pathEnv
      .split(windows ? ";" : ":")
      .filter((dir) => dir.length > 0)
      .map((dir) => join(dir, name, windows));

  if (configured.length > 0) {
    if (isAbsolute(configured, windows)) {
      candidates.push(configured);
    } else if (configured.includes("/") || configured.includes("\\")) {
      candidates.push(...input.folders.map((folder) => join(folder, configured, windows)));
    } else {
      candidates.push(...onPath(configured));
    }
  } else {
    for (const folder of input.folders) {
      for (const venv of [".venv", "venv"]) {
        candidates.push(join(join(join(folder, venv, windows), venvBin, windows), exe, windows));
      }
    }
    candidates.push(...onPath(exe));
  }
  const tried: string[] = [];
  for (const candidate of candidates) {
    tried.push(candidate);
    if (input.isExecutable(candidate)) {
      return { command: candidate, tried };
    }
  }
  return { command: undefined, tried };
}

/** The text of the "server not found" notification. */
export function notFoundMessage(resolution: Resolution, configured: string): string {
  const where = configured
    ? `delegate.server.path is "${configured}"`
    : "delegate.server.path is empty, so the workspace's .venv/venv and PATH were searched";
  const shown = resolution.tried.slice(0, 4).join(", ");
  const more = resolution.tried.length > 4 ? ` and ${resolution.tried.length - 4} more` : "";
  return `Delegate: the server was not found (${where}; tried ${shown}${more}).`;
}
