/**
 * The parts of an environment's Flux tree, listed once: the Flux tree applies each with its own Kustomization,
 * and the promotion gate waits for every one of them to report healthy.
 */
import type { KkpConfig } from "../../config/settings/resolve";

export type FluxPart = "platform" | "monitoring" | "logging";

interface FluxPartSpec {
  /** Parts that must be ready first. */
  readonly dependsOn: readonly FluxPart[];
  /** How long Flux waits for the part's objects to become ready. */
  readonly timeout: string;
  readonly enabled: (config: KkpConfig) => boolean;
}

export const FLUX_PARTS: Readonly<Record<FluxPart, FluxPartSpec>> = {
  platform: { dependsOn: [], timeout: "5m", enabled: () => true },
  monitoring: { dependsOn: ["platform"], timeout: "15m", enabled: (config) => config.kkp.monitoring },
  logging: { dependsOn: ["platform"], timeout: "15m", enabled: (config) => config.kkp.logging },
};

/** The parts this configuration delivers, in order: `platform`, plus the optional components it switches on. */
export function fluxParts(config: KkpConfig): FluxPart[] {
  return (Object.keys(FLUX_PARTS) as FluxPart[]).filter((part) => FLUX_PARTS[part].enabled(config));
}
