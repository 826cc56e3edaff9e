/**
 * The client contract's capability: `experimental.delegate = {prompt, taskUi, review}` in
 * `initialize`, added by a static feature of vscode-languageclient. Only types come from the
 * library, so the unit tests load this module without VS Code.
 */

import type { ClientCapabilities, FeatureState, StaticFeature } from "vscode-languageclient";

import { CLIENT_CAPABILITIES } from "./protocol";

export class DelegateCapabilities implements StaticFeature {
  fillClientCapabilities(capabilities: ClientCapabilities): void {
    const experimental = (capabilities.experimental ?? {}) as Record<string, unknown>;
    experimental.delegate = { ...CLIENT_CAPABILITIES };
    capabilities.experimental = experimental;
  }
  initialize(): void {}
  getState(): FeatureState {
    return { kind: "static" };
  }
  clear(): void {}
}
