// Starts the PKB sandbox emulator: parses its environment (every problem at once, exit 1), generates the world,
// listens, prints its URLs, and closes cleanly on SIGINT/SIGTERM.

import { pino } from "pino";
import { loadConfigFromProcess } from "./config.ts";
import { CONTROL_BASE, FHIR_BASE, KEYCLOAK_TOKEN_PATH } from "./context.ts";
import { buildSandbox } from "./server.ts";

async function main(): Promise<void> {
  const loaded = loadConfigFromProcess();
  if (!loaded.ok) {
    process.stderr.write(`PKB sandbox: invalid configuration:\n${loaded.errors.map((e) => `  - ${e}`).join("\n")}\n`);
    process.exit(1);
  }
  const c = loaded.config;
  const logger = pino({ level: c.logLevel, name: "pkb-sandbox" });
  const started = Date.now();
  const { app, state } = await buildSandbox({
    seed: c.seed,
    size: c.size,
    settleScenarios: c.settleScenarios,
    ...(c.anchor ? { anchor: c.anchor } : {}),
    clientId: c.clientId,
    clientSecret: c.clientSecret,
    redirectUris: c.redirectUris,
    fhirClientId: c.fhirClientId,
    fhirClientSecret: c.fhirClientSecret,
    accessTokenTtl: c.accessTokenTtl,
    sessionTtl: c.sessionTtl,
    systemTokenTtl: c.systemTokenTtl,
    publicUrl: c.publicUrl,
    pasDelaySeconds: c.pasDelaySeconds,
    pasDropRate: c.pasDropRate,
    ...(c.controlToken !== undefined ? { controlToken: c.controlToken } : {}),
    logger,
  });
  await app.listen({ host: c.host, port: c.port });
  const counts = state.world.counts();
  const u = c.publicUrl;
  process.stdout.write(
    [
      `PKB sandbox emulator ready in ${Date.now() - started} ms (seed ${c.seed}, size ${c.size}, anchor ${state.world.dataset.anchor})`,
      `  ${counts.patients} patients, ${counts.appointments} appointments, ${counts.messages} messages`,
      `  PKB web/OAuth/REST  ${u}/  (authorize ${u}/apiAuthorize.action, token ${u}/apiToken.action)`,
      `  Aggregated FHIR     ${u}${FHIR_BASE}  (token ${u}${KEYCLOAK_TOKEN_PATH})`,
      `  Control API         ${u}${CONTROL_BASE}/state${c.controlToken ? " (bearer token required)" : ""}`,
      `  Trust PAS (demo)    ${u}${CONTROL_BASE}/pas  (feed delay ${c.pasDelaySeconds} s, share lost ${c.pasDropRate})`,
      `  Demo users (password "sandbox"): ${state.world.dataset.staff
        .slice(0, 5)
        .map((s) => s.username)
        .join(", ")}`,
      "",
    ].join("\n"),
  );
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, "shutting down");
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, "error while closing");
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", () => shutdown("SIGINT"));
  process.once("SIGTERM", () => shutdown("SIGTERM"));
}

main().catch((err: unknown) => {
  process.stderr.write(
    `PKB sandbox failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
