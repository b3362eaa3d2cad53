// The audit log for admins: who viewed or changed which request, newest first; and its export as CSV.
import { Readable } from "node:stream";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { AUDIT_ACTIONS } from "../../audit-actions.ts";
import { adminOnly, requireUser } from "../../auth/guard.ts";
import {
  AUDIT_PATIENT_MAX_LENGTH,
  listAudit,
  recordAudit,
  streamAuditEntries,
  type AuditFilter,
} from "../../store/audit.ts";
import type { Db } from "../../store/db.ts";
import { CSV_BOM, csvLine } from "../csv.ts";
import type { AppDeps } from "../server.ts";
import { endStalledDownload, errorSchema } from "./common.ts";

const filterQuery = {
  request_id: z.uuid().optional(),
  patient: z
    .string()
    .trim()
    .min(1)
    .max(AUDIT_PATIENT_MAX_LENGTH)
    .optional()
    .describe(
      "The patient's name (every word begins the first or last name, accents and case ignored) or NHS number (spaces or dashes allowed): the entries about their requests and the worklists those were shown in",
    ),
  action: z.enum(AUDIT_ACTIONS).optional().describe("One of the actions Rebook writes (src/audit-actions.ts)"),
};

/** The whole log of the filter (newest first) as CSV lines, read a chunk at a time. */
async function* auditCsv(db: Db, filter: AuditFilter): AsyncGenerator<string> {
  yield CSV_BOM + csvLine(["at", "actor_user_id", "actor", "action", "request_id", "ip", "details"]);
  for await (const entries of streamAuditEntries(db, filter)) {
    yield entries
      .map((e) => csvLine([e.at, e.actorUserId, e.actorLabel, e.action, e.requestId, e.ip, e.details]))
      .join("");
  }
}

const auditEntrySchema = z.object({
  id: z.number().int(),
  at: z.date(),
  actorUserId: z.uuid().nullable(),
  actorLabel: z.string(),
  action: z.string(),
  requestId: z.uuid().nullable(),
  details: z.record(z.string(), z.unknown()),
  ip: z.string().nullable(),
  request: z
    .object({
      patientName: z.string().nullable(),
      nhsNumber: z.string().nullable(),
      appointmentStart: z.date().nullable(),
      appointmentExternalId: z.string().nullable(),
    })
    .nullable()
    .describe("The request's patient and appointment; null when the entry is about no request or it was purged"),
});

/** The audit log route. */
export const auditRoutes: FastifyPluginAsyncZod<AppDeps> = async (app, deps) => {
  app.addHook("onRequest", adminOnly);

  app.get(
    "/api/audit",
    {
      schema: {
        tags: ["Audit"],
        operationId: "listAudit",
        summary: "The audit log, newest first",
        description:
          "Each entry about a request carries the request's patient and appointment. Viewing the log is itself audited (audit.viewed, with the ids of the requests shown).",
        querystring: z.object({
          ...filterQuery,
          cursor: z.string().max(1000).optional().describe("nextCursor of the previous page"),
          limit: z.coerce.number().int().min(1).max(200).default(50),
        }),
        response: {
          200: z.object({ items: z.array(auditEntrySchema), nextCursor: z.string().nullable() }),
          400: errorSchema,
        },
      },
    },
    async (req) => {
      const user = requireUser(req);
      const page = await listAudit(deps.db, {
        requestId: req.query.request_id,
        patient: req.query.patient,
        action: req.query.action,
        cursor: req.query.cursor ?? null,
        limit: req.query.limit,
      });
      // The page shows patients' names and NHS numbers: who saw which is itself recorded.
      const requestIds = [...new Set(page.items.flatMap((e) => (e.request && e.requestId ? [e.requestId] : [])))];
      await recordAudit(deps.db, {
        actorUserId: user.id,
        actorLabel: user.displayName,
        action: "audit.viewed",
        details: { requestIds, ...(req.query.patient === undefined ? {} : { search: req.query.patient }) },
        ip: req.ip,
      });
      return page;
    },
  );

  app.get(
    "/api/audit/export.csv",
    {
      schema: {
        tags: ["Audit"],
        operationId: "exportAuditCsv",
        summary: "The audit log as CSV (for a spreadsheet), newest first",
        description:
          "Columns: at (ISO 8601, UTC), actor_user_id, actor, action, request_id, ip, details (JSON). Cells that a spreadsheet would read as a formula are prefixed with '. It shows the entries of the moment the download began, each once, none written meanwhile. The export itself is audited (audit.exported).",
        querystring: z.object(filterQuery),
        produces: ["text/csv"],
      },
    },
    async (req, reply) => {
      const user = requireUser(req);
      const filter = { requestId: req.query.request_id, patient: req.query.patient, action: req.query.action };
      await recordAudit(deps.db, {
        actorUserId: user.id,
        actorLabel: user.displayName,
        action: "audit.exported",
        details: { filter },
        ip: req.ip,
      });
      const day = new Date().toISOString().slice(0, 10);
      endStalledDownload(reply, deps.exportStallMs);
      return reply
        .type("text/csv; charset=utf-8")
        .header("content-disposition", `attachment; filename="rebook-audit-${day}.csv"`)
        .send(Readable.from(auditCsv(deps.db, filter)));
    },
  );
};
