// `rebook sync --once`: one pipeline pass from the command line, with a progress bar on a long backlog and a summary.
import { SingleBar, Presets } from "cli-progress";
import type { Config } from "../config.ts";
import type { Logger } from "../log.ts";
import { cipherFor } from "../store/crypto.ts";
import { listConnections } from "../store/connections.ts";
import { openStore, pipeline } from "../main.ts";
import { syncPass } from "./run.ts";
import { closeAbandonedRuns } from "./runs.ts";

/** Runs one pass and prints what it did; exit code 1 when any request ended in error or a poll failed. */
export async function runSyncOnce(config: Config, logger: Logger): Promise<void> {
  const db = await openStore(config, logger);
  try {
    const cipher = await cipherFor(config);
    const connections = await listConnections(db);
    const active = connections.filter((c) => c.status === "active");
    for (const c of connections.filter((c) => c.status === "needs_reauth")) {
      process.stdout.write(
        `! "${c.label}" needs re-authorisation: open ${config.publicUrl}/api/pkb/connections/${c.id}/authorize\n`,
      );
    }
    if (active.length === 0) {
      process.stdout.write(`No active PKB connection. Start Rebook (npm start) and grant access first.\n`);
      return;
    }
    const deps = pipeline(config, db, cipher, logger);
    await closeAbandonedRuns(deps); // polls a killed run of this command left unfinished
    const bar = new SingleBar(
      { format: "Identifying and matching |{bar}| {value}/{total} requests | {eta_formatted} left", hideCursor: true },
      Presets.shades_classic,
    );
    let barStarted = false;
    const summary = await syncPass(deps, {
      // The total grows while the poll stores what it reads; the requests are worked meanwhile.
      onQueued: (total) => {
        if (total === 0 || !process.stdout.isTTY) return;
        if (barStarted) bar.setTotal(total);
        else {
          bar.start(total, 0);
          barStarted = true;
        }
      },
      onProcessed: () => barStarted && bar.increment(),
    });
    if (barStarted) bar.stop();
    const lines = summary.connections.map(
      (c) =>
        `  ${connections.find((x) => x.id === c.connectionId)?.label ?? c.connectionId}: ` +
        (c.skipped
          ? `skipped (${c.skipped === "leased elsewhere" ? "another Rebook process is polling this connection right now" : c.skipped})`
          : `${c.fetched} messages read since ${c.since}, ${c.newMessages} new: ${c.newRequests} requests, ${c.followUps} follow-ups, ${c.unrelated} unrelated` +
            (c.setAside > 0 ? `, ${c.setAside} set aside in the error queue (Administration → Error queue)` : "")),
    );
    const p = summary.processed;
    process.stdout.write(
      [
        `Sync finished in ${(summary.durationMs / 1000).toFixed(1)} s`,
        ...lines,
        `  Requests: ${p.auto_linked} linked to their appointment, ${p.review} need review, ${p.no_candidates} with no appointment found, ` +
          `${p.not_identified} patient not identified, ${p.retry} to retry, ${p.error} in error, ${p.paused} waiting for PKB access`,
        "",
      ].join("\n"),
    );
    if (p.error > 0 || summary.connections.some((c) => c.skipped && c.skipped !== "leased elsewhere"))
      process.exitCode = 1;
  } finally {
    await db.close();
  }
}
