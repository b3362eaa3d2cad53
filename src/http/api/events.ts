// Live updates for the signed-in user as Server-Sent Events: every change to (and presence on) a request they may see.
// A comment line every EVENTS_HEARTBEAT_SECONDS keeps proxies from closing the stream; at each heartbeat the session
// is checked again (without extending it) and the user's teams re-read, so the stream ends soon after sign-out, expiry
// or deactivation and follows team changes. On PostgreSQL the other instances' events arrive through LISTEN/NOTIFY.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { requireUser } from "../../auth/guard.ts";
import { canViewRequest } from "../../auth/permissions.ts";
import { eventBus, type BusEvent } from "../../events/bus.ts";
import { startPgRelay, type PgRelay } from "../../events/pg-relay.ts";
import { presenceStore } from "../../events/presence.ts";
import { liveSessionUser } from "../../store/live-sessions.ts";
import type { AppDeps } from "../server.ts";
import { errorSchema } from "./common.ts";

const DESCRIPTION = `text/event-stream. Each change is a default (unnamed) event whose data is JSON:
{"type": "request.created" | "request.updated", "requestId", "teamId", "status", "assignedUserId", "actorUserId", "at"}
(actorUserId: the person who made the change, null for the system; plus "tabId" when their write named its browser tab
in the x-rebook-tab header, so that tab knows the change as its own: sent only on that person's own streams), or
{"type": "presence", "requestId", "teamId", "status", "assignedUserId", "at",
"presence": {"userId", "displayName", "state": "viewing" | "editing" | "left", "since"}}.
Only events about requests the user may see are sent. The stream starts with a named "ready" event, sends a comment
line as a heartbeat, and ends with a named "session_ended" event when the session ends. Events are not replayed after
a reconnect: refetch what is on screen when the stream (re)opens.`;

/** A request event without the browser tab it came from (for anyone but the person who made the change). */
function withoutTab(e: BusEvent): BusEvent {
  if (e.type === "presence") return e;
  const { tabId: _tab, ...rest } = e;
  return rest;
}

/** The live-update stream, and (on PostgreSQL) the relay that brings other instances' events to this one. */
export const eventRoutes: FastifyPluginAsyncZod<AppDeps> = async (app, deps) => {
  const bus = eventBus(deps.db);
  presenceStore(deps.db); // listening from the start, so it knows everyone present
  let relay: PgRelay | null = null;
  if (deps.db.engine === "postgres" && deps.config.database.kind === "postgres") {
    relay = startPgRelay(bus, deps.config.database.url, deps.logger.child({ component: "events" }));
  }
  const open = new Set<(reason: string | null) => void>();
  // Open streams would hold the server open: end them before it closes.
  app.addHook("preClose", async () => {
    for (const close of [...open]) close(null);
  });
  app.addHook("onClose", async () => {
    await relay?.stop();
  });

  app.get(
    "/api/events",
    {
      schema: {
        tags: ["Workflow"],
        operationId: "streamEvents",
        summary: "Live updates (Server-Sent Events) about the requests you may see",
        description: DESCRIPTION,
        produces: ["text/event-stream"],
        response: { 401: errorSchema },
      },
    },
    async (req, reply) => {
      let user = requireUser(req);
      const sessionId = req.sessionId;
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache, no-transform",
        connection: "keep-alive",
        "x-accel-buffering": "no",
      });
      const send = (chunk: string): void => {
        if (!res.writableEnded && !res.destroyed) res.write(chunk);
      };
      const heartbeatMs = deps.config.events.heartbeatMs;
      let seq = 0;
      let closed = false;
      const unsubscribe = bus.subscribe((e) => {
        const left = e.type !== "presence" && e.previousTeamId !== undefined && canViewRequest(user, e.previousTeamId);
        if (!canViewRequest(user, e.teamId) && !left) return;
        // The tab a change came from is told only to the person who made it: a colleague who knew it could send writes
        // naming that tab, and the tab would then take their changes for its own and not show them.
        const shown = e.type !== "presence" && e.tabId !== undefined && e.actorUserId !== user.id ? withoutTab(e) : e;
        send(`id: ${++seq}\ndata: ${JSON.stringify(shown)}\n\n`);
      });
      const close = (reason: string | null): void => {
        if (closed) return;
        closed = true;
        clearInterval(timer);
        unsubscribe();
        open.delete(close);
        if (reason) send(`event: session_ended\ndata: ${JSON.stringify({ reason, at: new Date().toISOString() })}\n\n`);
        res.end();
      };
      const check = async (): Promise<void> => {
        const current = sessionId ? await liveSessionUser(deps.db, sessionId, deps.config.session) : null;
        if (closed) return;
        if (!current) return close("The session has ended: sign in again");
        user = current;
        send(`: heartbeat ${new Date().toISOString()}\n\n`);
      };
      const timer = setInterval(() => {
        check().catch(() => close(null));
      }, heartbeatMs);
      open.add(close);
      res.on("close", () => close(null));
      send(
        `retry: 5000\nevent: ready\ndata: ${JSON.stringify({ at: new Date().toISOString(), heartbeatSeconds: heartbeatMs / 1000 })}\n\n`,
      );
    },
  );
};
