// buildSandbox: the PKB sandbox emulator as a Fastify app on one port with three "hosts" by base path — PKB web,
// OAuth and /json REST at "/", the Aggregated FHIR API at /aggregated/fhir with its Keycloak token endpoint under
// /iam/…, and the control API at /_sandbox/. Tests use app.inject or listen on port 0.

import formbody from "@fastify/formbody";
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance } from "fastify";
import { registerControlRoutes } from "./control/routes.ts";
import { CONTROL_BASE, FHIR_BASE, type SandboxSettings, type SandboxState } from "./context.ts";
import { FaultInjector, faultHook } from "./faults.ts";
import { registerFhirRoutes } from "./fhir/routes.ts";
import { PasFeed } from "./pas/feed.ts";
import { generate as generateDataset } from "./generator/index.ts";
import { formatRequestSubject as formatSubject } from "./generator/subject.ts";
import type { GenerateOptions, SandboxDataset } from "./model.ts";
import { registerAuthorize } from "./oauth/authorize.ts";
import { registerTokenEndpoints } from "./oauth/token.ts";
import { FHIR_JSON, fhirOutcome } from "./outcome.ts";
import { registerRestRoutes } from "./rest/routes.ts";
import { SessionStore } from "./sessions.ts";
import { World } from "./world.ts";

/** Options of buildSandbox; every field has a default (durations in seconds). */
export interface BuildSandboxOptions {
  /** The initial world (taken over and mutated); default: generate({ seed, size, anchor }). */
  dataset?: SandboxDataset;
  seed?: number;
  size?: number;
  anchor?: Date;
  /** Settle scenarios in the generated world (default 0; see GenerateOptions.settleScenarios). */
  settleScenarios?: number;
  clientId?: string;
  clientSecret?: string;
  redirectUris?: string[];
  fhirClientId?: string;
  fhirClientSecret?: string;
  accessTokenTtl?: number;
  sessionTtl?: number;
  systemTokenTtl?: number;
  /** Authorization code lifetime (default 120). */
  codeTtl?: number;
  /** Base URL for links; default: each request's own origin (Host header). */
  publicUrl?: string;
  controlToken?: string;
  /** Seconds from a PAS action to its delivery into PKB (default 120). */
  pasDelaySeconds?: number;
  /** 0..1: share of PAS actions the feed loses (default 0). */
  pasDropRate?: number;
  /** Epoch-ms clock; default Date.now. */
  clock?: () => number;
  /** Dataset generator for the initial world and POST /_sandbox/reset. */
  generate?: (opts: GenerateOptions) => SandboxDataset;
  formatRequestSubject?: SandboxSettings["formatRequestSubject"];
  /** Fastify logger: false (default), true, or a pino logger. */
  logger?: boolean | FastifyBaseLogger;
}

/** The built emulator: the Fastify app (not listening yet) and its live state. */
export interface BuiltSandbox {
  app: FastifyInstance;
  state: SandboxState;
}

/** Builds the emulator app and its state; call app.listen to serve. */
export async function buildSandbox(opts: BuildSandboxOptions = {}): Promise<BuiltSandbox> {
  const clock = opts.clock ?? Date.now;
  const generate = opts.generate ?? generateDataset;
  const settings: SandboxSettings = {
    userClient: {
      id: opts.clientId ?? "rebook-sandbox",
      secret: opts.clientSecret ?? "sandbox-secret",
      redirectUris: opts.redirectUris ?? [
        "http://localhost:3000/api/pkb/oauth/callback",
        "http://127.0.0.1:3000/api/pkb/oauth/callback",
      ],
    },
    fhirClient: { id: opts.fhirClientId ?? "rebook-fhir", secret: opts.fhirClientSecret ?? "sandbox-fhir-secret" },
    publicUrl: opts.publicUrl?.replace(/\/+$/, ""),
    controlToken: opts.controlToken,
    clock,
    generate,
    formatRequestSubject: opts.formatRequestSubject ?? formatSubject,
  };
  const dataset =
    opts.dataset ??
    generate({
      seed: opts.seed ?? 1,
      size: opts.size ?? 200,
      ...(opts.anchor ? { anchor: opts.anchor } : {}),
      ...(opts.settleScenarios ? { settleScenarios: opts.settleScenarios } : {}),
    });
  const state: SandboxState = {
    world: new World(dataset),
    sessions: new SessionStore({
      clock,
      accessTokenTtl: opts.accessTokenTtl ?? 600,
      sessionTtl: opts.sessionTtl ?? 8 * 3600,
      systemTokenTtl: opts.systemTokenTtl ?? 3599,
      ...(opts.codeTtl !== undefined ? { codeTtl: opts.codeTtl } : {}),
    }),
    faults: new FaultInjector(),
    pas: new PasFeed({ delaySeconds: opts.pasDelaySeconds ?? 120, dropRate: opts.pasDropRate ?? 0 }),
    settings,
    pendingAuthorizations: new Map(),
  };

  const logger = opts.logger ?? false;
  const app = Fastify({
    ...(typeof logger === "boolean" ? { logger } : { loggerInstance: logger }),
    routerOptions: { ignoreTrailingSlash: true },
  });
  await app.register(formbody);
  // The PAS feed delivers lazily: whatever fell due is in PKB before any request (FHIR or control) is answered.
  app.addHook("onRequest", (_request, _reply, done) => {
    state.pas.applyDue(state.world, clock());
    done();
  });
  app.addHook("onRequest", faultHook(state.faults));

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status =
      error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) request.log.error({ err: error }, "sandbox error");
    const text = status === 500 ? "internal error" : error.message;
    const path = request.url.split("?")[0] ?? "";
    if (path.startsWith(FHIR_BASE) || path.startsWith("/json")) {
      const outcome = fhirOutcome(status === 500 ? "exception" : "invalid", text);
      if (path.startsWith(FHIR_BASE)) reply.header("content-type", FHIR_JSON);
      return reply.code(status).send(outcome);
    }
    return reply
      .code(status)
      .send({ error: status === 500 ? "server_error" : "invalid_request", error_description: text });
  });
  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ error: "not_found" }));

  registerAuthorize(app, state);
  registerTokenEndpoints(app, state);
  await app.register((scope, _o, done) => (registerRestRoutes(scope, state), done()), { prefix: "/json" });
  await app.register((scope, _o, done) => (registerFhirRoutes(scope, state), done()), { prefix: FHIR_BASE });
  await app.register((scope, _o, done) => (registerControlRoutes(scope, state), done()), { prefix: CONTROL_BASE });
  await app.ready();
  return { app, state };
}
