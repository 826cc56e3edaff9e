/**
 * Settings: which of the `delegate.*` settings go to the server and in what shape.
 *
 * VS Code answers `workspace/configuration` with every contributed key, defaults included.
 * The server owns the defaults (docs/settings.md) and warns about keys it does not know, so
 * the client leaves out its own `server.*` keys and every `null` (meaning "the server's
 * default"). Pure functions over plain objects: the unit tests run them without VS Code.
 */

/** Where the Anthropic API key lives in SecretStorage (never in settings.json). */
export const SECRET_KEY = "delegate.anthropicApiKey";

/** Keys under `delegate.` that configure the client (how to start the server), not the server. */
export const CLIENT_ONLY_SECTIONS = ["server"] as const;

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Drop `null` values recursively; keeps empty objects out too. */
function withoutNulls(value: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [key, item] of Object.entries(value)) {
    if (item === null || item === undefined) {
      continue;
    }
    if (isObject(item)) {
      const inner = withoutNulls(item);
      if (Object.keys(inner).length > 0) {
        out[key] = inner;
      }
    } else {
      out[key] = item;
    }
  }
  return out;
}

/**
 * The `delegate` section as the server should see it, from what VS Code's configuration
 * returns for that section (a nested object such as `{api: {model: …}, server: {…}}`).
 */
export function serverSection(section: unknown): JsonObject {
  if (!isObject(section)) {
    return {};
  }
  const copy: JsonObject = { ...section };
  for (const key of CLIENT_ONLY_SECTIONS) {
    delete copy[key];
  }
  return withoutNulls(copy);
}

/** How the client starts the server, read from `delegate.server.*`. */
export interface LaunchSettings {
  path: string;
  args: string[];
  env: Record<string, string>;
}

export const DEFAULT_SERVER_ARGS = ["serve"];

/** Validate the raw `delegate.server` values; wrong types fall back to the defaults. */
export function launchSettings(raw: { path?: unknown; args?: unknown; env?: unknown }): LaunchSettings {
  const path = typeof raw.path === "string" ? raw.path.trim() : "";
  const args =
    Array.isArray(raw.args) && raw.args.every((a) => typeof a === "string")
      ? (raw.args as string[])
      : DEFAULT_SERVER_ARGS;
  const env: Record<string, string> = {};
  if (isObject(raw.env)) {
    for (const [key, value] of Object.entries(raw.env)) {
      if (typeof value === "string") {
        env[key] = value;
      }
    }
  }
  return { path, args, env };
}
