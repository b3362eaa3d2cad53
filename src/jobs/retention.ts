// The retention job inside the server: a purge a few minutes after start-up and then every RETENTION_INTERVAL_HOURS.
// Every instance runs the timer; the lease in purgeExpired lets one purge at a time, and a second run finds nothing.
import type { Config } from "../config.ts";
import type { Logger } from "../log.ts";
import { retentionPurged } from "../metrics/instruments.ts";
import type { Db } from "../store/db.ts";
import { purgeExpired, type PurgeCounts } from "../store/retention.ts";

export interface RetentionJob {
  /** Runs a purge now (or joins the one in progress); null when another instance holds the lease. */
  runNow(): Promise<PurgeCounts | null>;
  stop(): Promise<void>;
}

/** Starts the job; intervalMs 0 schedules nothing (runNow still works). `firstDelayMs` defaults to 5 minutes. */
export function startRetentionJob(p: {
  db: Db;
  settings: Config["retention"];
  holder: string;
  logger: Logger;
  firstDelayMs?: number;
}): RetentionJob {
  const abort = new AbortController();
  let running: Promise<PurgeCounts | null> | null = null;
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;

  const run = (): Promise<PurgeCounts | null> => {
    running ??= purgeExpired(
      p.db,
      {
        requestYears: p.settings.requestYears,
        auditDays: p.settings.auditDays,
        worklistViewDays: p.settings.worklistViewDays,
        syncRunDays: p.settings.syncRunDays,
      },
      {
        holder: p.holder,
        batchSize: p.settings.batchSize,
        signal: abort.signal,
        onBatch: (cls, rows) => retentionPurged.inc({ class: cls }, rows),
      },
    )
      .then((counts) => {
        if (counts && Object.values(counts).some((n) => n > 0)) p.logger.info({ purged: counts }, "retention purge");
        return counts;
      })
      .catch((err: unknown) => {
        p.logger.error({ err: (err as Error).message }, "retention purge failed");
        return null;
      })
      .finally(() => {
        running = null;
        schedule(p.settings.intervalMs);
      });
    return running;
  };
  const schedule = (ms: number): void => {
    if (stopped || p.settings.intervalMs <= 0) return;
    timer = setTimeout(() => void run(), ms);
    timer.unref();
  };
  // Spread instances that start together (jitter up to a minute) and stay clear of the start-up work.
  schedule((p.firstDelayMs ?? 5 * 60_000) + Math.floor(Math.random() * 60_000));

  return {
    runNow: run,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      abort.abort();
      await running;
    },
  };
}
