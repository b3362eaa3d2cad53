// The chaos phase: live patient traffic and a progress line throughout, and the scheduled events one after another —
// kill -9 of an instance (the one holding the poll lease when there is one) and its restart, PKB revoking the
// clinician's session and the clinician granting access again, and the poison message.
import type pg from "pg";
import { grantAgain, type AdminSession } from "./clinician.ts";
import { POLL_APP_PREFIX, type Instance } from "./cluster.ts";
import { pollLockHolderPort, progress } from "./database.ts";
import type { LiveTraffic, Pkb } from "./pkb.ts";
import type { Kill } from "./verdict.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What the chaos phase needs. */
export interface ChaosContext {
  pkb: Pkb;
  live: LiveTraffic;
  instances: Instance[];
  pool: pg.Pool;
  admin: AdminSession;
  connectionId: string;
  clinician: string;
  say(text: string): void;
}

/** What happened. */
export interface ChaosLog {
  kills: Kill[];
  problems: string[];
  restarts: Promise<void>[];
}

type Event = { at: number; run: () => Promise<void> };

/** When each event happens, in seconds from the start of a chaos phase of `seconds`. */
export function schedule(seconds: number, kills: number, calm: boolean) {
  if (calm) return { kills: [] as number[], revokeAt: null, regrantAt: null, poisonAt: null };
  // Kills spread from 8% to 85% of the phase, so collection after the last one is still measured.
  const killTimes = Array.from({ length: kills }, (_, i) =>
    kills === 1 ? seconds * 0.3 : seconds * (0.08 + (0.77 * i) / (kills - 1)),
  );
  return { kills: killTimes, revokeAt: seconds * 0.4, regrantAt: seconds * 0.4 + 8, poisonAt: seconds * 0.5 };
}

async function waitUntil(cond: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) return false;
    await sleep(200);
  }
  return true;
}

/** kill -9 the instance holding the poll lease (else the next live one), keeping the other running, and restart it. */
async function killOne(ctx: ChaosContext, log: ChaosLog, n: number, restartAfterMs: number): Promise<void> {
  const holder = await pollLockHolderPort(ctx.pool, POLL_APP_PREFIX).catch(() => null);
  let target = ctx.instances.find((i) => i.alive && i.port === holder);
  const heldLease = target !== undefined;
  const lease = heldLease
    ? "held the poll lease"
    : holder === null
      ? "no live poll lease"
      : `the poll lease was held by the instance on port ${holder}, not running`;
  target ??= [...ctx.instances.filter((i) => i.alive)][n % 2] ?? ctx.instances.find((i) => i.alive);
  const other = ctx.instances.find((i) => i !== target);
  if (!target || !other || !(await waitUntil(() => other.alive, 60_000))) {
    log.problems.push(`kill #${n + 1} skipped: no second instance running to take over`);
    return;
  }
  const pid = target.proc!.pid;
  const at = Date.now();
  await target.kill();
  const label = `${target.name} (pid ${pid}, ${lease})`;
  log.kills.push({ at, label });
  ctx.say(`kill -9 ${label}`);
  const victim = target;
  log.restarts.push(
    (async () => {
      await sleep(restartAfterMs);
      await victim.start();
      ctx.say(`${victim.name} restarted (pid ${victim.proc!.pid})`);
    })().catch((err: unknown) => {
      log.problems.push(`restart of ${victim.name} failed: ${(err as Error).message}`);
    }),
  );
}

/** Runs the chaos phase for `seconds`; returns what happened. */
export async function runChaos(
  ctx: ChaosContext,
  opts: { seconds: number; kills: number; calm: boolean; restartAfter: number; liveEvery: number },
): Promise<ChaosLog> {
  const log: ChaosLog = { kills: [], problems: [], restarts: [] };
  const start = Date.now();
  const end = start + opts.seconds * 1000;
  const plan = schedule(opts.seconds, opts.kills, opts.calm);
  const events: Event[] = plan.kills.map((t, n) => ({
    at: t,
    run: () => killOne(ctx, log, n, opts.restartAfter * 1000),
  }));
  if (plan.revokeAt !== null)
    events.push({
      at: plan.revokeAt,
      run: async () => ctx.say(`PKB revoked ${ctx.clinician}'s sessions (${await ctx.pkb.revoke(ctx.clinician)})`),
    });
  if (plan.regrantAt !== null)
    events.push({
      at: plan.regrantAt,
      run: async () => {
        const via = ctx.instances.find((i) => i.alive);
        if (!via) throw new Error("no instance running to grant access through");
        const tries = await grantAgain({ ...ctx.admin, baseUrl: via.url }, ctx.connectionId, ctx.clinician);
        ctx.say(`${ctx.clinician} granted access again on PKB's consent page (via ${via.name}, ${tries} tries)`);
      },
    });
  if (plan.poisonAt !== null)
    events.push({
      at: plan.poisonAt,
      run: async () => {
        const m = await ctx.live.poison();
        ctx.say(m ? `poison message ${m.messageId} sent (U+0000 in its text)` : "no appointment left for the poison");
      },
    });
  events.sort((a, b) => a.at - b.at);

  // Live traffic lasts the phase and, when an event ran late (a kill waits for the other instance to be up, which on
  // a loaded machine can take longer than the phase), 10 s past the last one: collection after every kill is measured.
  let eventsDone = false;
  let lastEventAt = 0;
  const liveLoop = (async () => {
    while (Date.now() < end || !eventsDone || Date.now() < lastEventAt + 10_000) {
      await ctx.live.next().catch((err: unknown) => log.problems.push(`live message: ${(err as Error).message}`));
      await sleep(opts.liveEvery * 1000);
    }
  })();
  const progressLoop = (async () => {
    while (Date.now() < end) {
      await sleep(Math.min(5_000, Math.max(0, end - Date.now())));
      const p = await progress(ctx.pool).catch(() => null);
      const up = ctx.instances.map((i) => `${i.name}:${i.alive ? "up" : "down"}`).join(" ");
      if (p)
        ctx.say(`${p.messages} messages, ${p.requests} requests (${p.processing} processing, ${p.error} error); ${up}`);
    }
  })();
  for (const e of events) {
    await sleep(Math.max(0, start + e.at * 1000 - Date.now()));
    await e.run().catch((err: unknown) => log.problems.push((err as Error).message));
    lastEventAt = Date.now();
  }
  eventsDone = true;
  await Promise.all([liveLoop, progressLoop]);
  return log;
}
