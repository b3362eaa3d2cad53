// Pipeline throughput on both store engines: the emulator (in-process, over HTTP) with N generated requests, a fresh
// store, Grant Access through the consent form, then one sync pass: ingest (streamed) + identify + match + route.
import { randomBytes } from "node:crypto";
import { buildSandbox } from "../sandbox/src/server.ts";
import { loadConfig } from "../src/config.ts";
import { createLogger } from "../src/log.ts";
import { pipeline } from "../src/main.ts";
import { TokenCipher } from "../src/store/crypto.ts";
import { openPglite } from "../src/store/db.ts";
import { migrate } from "../src/store/migrate.ts";
import { beginGrant, completeGrant } from "../src/sync/connect.ts";
import { syncPass } from "../src/sync/run.ts";
import { freshPostgres } from "./postgres.ts";
import type { Benchmark } from "./run.ts";

const SIZE = 2_000;

async function run(engine: "pglite" | "postgres"): Promise<Record<string, number>> {
  const now = new Date();
  const { app } = await buildSandbox({
    seed: 11,
    size: SIZE,
    anchor: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())),
  });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const port = (app.server.address() as { port: number }).port;
  const base = `http://127.0.0.1:${port}`;
  const store =
    engine === "pglite" ? { db: await openPglite("memory://"), drop: async () => undefined } : await freshPostgres();
  try {
    await migrate(store.db);
    const config = loadConfig({
      LOG_LEVEL: "silent",
      PKB_BASE_URL: base,
      PKB_FHIR_BASE_URL: `${base}/aggregated/fhir`,
      PKB_FHIR_TOKEN_URL: `${base}/iam/auth/realms/pkb/protocol/openid-connect/token`,
    });
    const deps = pipeline(config, store.db, new TokenCipher(randomBytes(32)), createLogger("silent"));
    const { authorizeUrl } = await beginGrant(deps, { label: "bench", userId: null });
    const html = await (await fetch(authorizeUrl)).text();
    const request = /name="request" value="([^"]+)"/.exec(html)?.[1] ?? "";
    const consent = await fetch(new URL("/apiAuthorize.action", authorizeUrl), {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ request, username: "jack.brown", password: "sandbox", decision: "grant" }),
    });
    const back = new URL(consent.headers.get("location") ?? "");
    await completeGrant(deps, back.searchParams, { userId: null });
    const started = performance.now();
    const pass = await syncPass(deps);
    const seconds = (performance.now() - started) / 1000;
    const processed = Object.values(pass.processed).reduce((a, b) => a + b, 0);
    return {
      requests: processed,
      messagesStored: pass.connections[0]?.newMessages ?? 0,
      seconds: Math.round(seconds * 100) / 100,
      requestsPerSecond: Math.round(processed / seconds),
    };
  } finally {
    await store.drop();
    if (engine === "pglite") await store.db.close();
    await app.close();
  }
}

/** Pipeline throughput, embedded PGlite vs PostgreSQL. */
export const pipelineBenchmarks: Benchmark[] = [
  { name: `pipeline: ${SIZE} requests, PGlite`, run: () => run("pglite") },
  { name: `pipeline: ${SIZE} requests, PostgreSQL`, run: () => run("postgres") },
];
