// What every route module shares: the world, the OAuth store, fault injection and the resolved options.

import type { FastifyRequest } from "fastify";
import type { GenerateOptions, SandboxDataset } from "./model.ts";
import type { FaultInjector } from "./faults.ts";
import type { PasFeed } from "./pas/feed.ts";
import type { PkbScope, SessionStore } from "./sessions.ts";
import type { World } from "./world.ts";

/** A registered OAuth client. */
export interface RegisteredClient {
  id: string;
  secret: string;
}

/** A pending authorization request, between the consent page and its form post. */
export interface PendingAuthorization {
  clientId: string;
  redirectUriSent: string | null;
  redirectUriUsed: string;
  state: string | undefined;
  scope: PkbScope | null;
  expiresAt: number;
}

/** Resolved, immutable options of one emulator instance (durations in seconds). */
export interface SandboxSettings {
  userClient: RegisteredClient & { redirectUris: string[] };
  fhirClient: RegisteredClient;
  /** Base URL for links, no trailing slash (e.g. "http://127.0.0.1:4010"); undefined = from each request's Host. */
  publicUrl: string | undefined;
  controlToken: string | undefined;
  clock: () => number;
  generate: (opts: GenerateOptions) => SandboxDataset;
  formatRequestSubject: (kind: "change" | "cancel", startUtcIso: string, appointmentType: string) => string;
}

/** The live state of one emulator instance; tests may inspect it. */
export interface SandboxState {
  world: World;
  sessions: SessionStore;
  faults: FaultInjector;
  /** The trust's PAS: recorded clerk actions and the feed that carries them into PKB. */
  pas: PasFeed;
  settings: SandboxSettings;
  pendingAuthorizations: Map<string, PendingAuthorization>;
}

/** Base path of the Aggregated FHIR API. */
export const FHIR_BASE = "/aggregated/fhir";
/** Path of the Keycloak-style token endpoint for the Aggregated FHIR API. */
export const KEYCLOAK_TOKEN_PATH = "/iam/auth/realms/pkb/protocol/openid-connect/token";
/** Base path of the control API. */
export const CONTROL_BASE = "/_sandbox";
/** Every sandbox user's password. */
export const SANDBOX_PASSWORD = "sandbox";

/** The base URL for links in answers to `request`: the configured public URL, else the request's own origin. */
export function publicBase(settings: SandboxSettings, request: FastifyRequest): string {
  return settings.publicUrl ?? `${request.protocol}://${request.host}`;
}
