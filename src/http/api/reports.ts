// Reports for service managers and BI tools: volume, backlog, timings, outcomes, summary and row-level data, as JSON
// and as CSV (…/<report>.csv). Dates are Europe/London local dates; buckets are local days, ISO weeks or months.
// Readers need canReadReports (every role but clerk). No patient identifiers: only request ids, on row-level data.
import { Readable } from "node:stream";
import type { FastifyReply } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { ensure, requireUser } from "../../auth/guard.ts";
import { canReadReports } from "../../auth/permissions.ts";
import { addYears, isLocalDate } from "../../domain/buckets.ts";
import { UK_ZONE } from "../../domain/uk-time.ts";
import { recordAudit } from "../../store/audit.ts";
import { backlogReport } from "../../reports/backlog.ts";
import { CSV_BOM, csvDocument, csvFilename, csvLine, type CsvTable } from "../../reports/csv.ts";
import {
  backlogTable,
  outcomesTable,
  ROWS_HEADER,
  rowCells,
  summaryTable,
  timingsTable,
  volumeTable,
} from "../../reports/csv-tables.ts";
import { outcomesReport } from "../../reports/outcomes.ts";
import { BUCKET_UNITS, OUTCOMES, REQUEST_TYPES, type BucketedFilter, type ReportFilter } from "../../reports/query.ts";
import { reportRowsPage, streamReportRows } from "../../reports/rows.ts";
import { summaryReport } from "../../reports/summary.ts";
import { timingsReport } from "../../reports/timings.ts";
import { volumeReport } from "../../reports/volume.ts";
import { MATCH_STATES, REQUEST_STATUSES } from "../../requests/vocabulary.ts";
import type { AppDeps } from "../server.ts";
import { endStalledDownload, errorSchema } from "./common.ts";

const MAX_YEARS = 2;

const localDateParam = z.iso.date().refine(isLocalDate, "must be a calendar date (YYYY-MM-DD)");

const filterFields = {
  from: localDateParam.describe("First local date (Europe/London), YYYY-MM-DD, inclusive"),
  to: localDateParam.describe("Last local date (Europe/London), YYYY-MM-DD, inclusive; less than 2 years after from"),
  team_id: z
    .union([z.uuid(), z.literal("none")])
    .optional()
    .describe('A team id, or "none" for requests no team owns'),
  specialty_code: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .optional()
    .describe('Specialty code of the linked appointment, or "none" for requests without one'),
  type: z.enum(REQUEST_TYPES).optional(),
};

/** from ≤ to and a range shorter than two years, with messages that say so. */
const rangeChecks = <T extends { from: string; to: string }>(q: T, ctx: z.RefinementCtx): void => {
  if (!isLocalDate(q.from) || !isLocalDate(q.to)) return; // reported by the fields themselves
  if (q.from > q.to) ctx.addIssue({ code: "custom", path: ["to"], message: `must not be before from (${q.from})` });
  else if (q.to >= addYears(q.from, MAX_YEARS))
    ctx.addIssue({ code: "custom", path: ["to"], message: `the range must be shorter than ${MAX_YEARS} years` });
};

/** The filter of every report: local date range, team, specialty, type. */
export const filterQuery = z.object(filterFields).superRefine(rangeChecks);
const bucketedQuery = z
  .object({ ...filterFields, bucket: z.enum(BUCKET_UNITS).default("day").describe("Local day, ISO week or month") })
  .superRefine(rangeChecks);
const rowsQuery = z
  .object({
    ...filterFields,
    cursor: z.string().max(1000).optional().describe("nextCursor of the previous page"),
    limit: z.coerce.number().int().min(1).max(5000).default(1000),
  })
  .superRefine(rangeChecks);

/** The report filter of a parsed filterQuery. */
export const toFilter = (q: z.infer<typeof filterQuery>): ReportFilter => ({
  from: q.from,
  to: q.to,
  zone: UK_ZONE,
  teamId: q.team_id,
  specialtyCode: q.specialty_code,
  type: q.type,
});
const toBucketed = (q: z.infer<typeof bucketedQuery>): BucketedFilter => ({ ...toFilter(q), unit: q.bucket });

const rangeSchema = z.object({
  from: z.string(),
  to: z.string(),
  zone: z.string(),
  start: z.date().describe("Instant the range starts (inclusive)"),
  end: z.date().describe("Instant the range ends (exclusive)"),
});
const bucketedRangeSchema = rangeSchema.extend({ unit: z.enum(BUCKET_UNITS) });
const bucketFields = {
  key: z.string().describe("Local date the calendar day, ISO week (Monday) or month starts on"),
  from: z.string().describe("First local date of the bucket inside the range"),
  to: z.string().describe("Last local date of the bucket inside the range"),
  start: z.date(),
  end: z.date().describe("Exclusive"),
};
const durationsSchema = z.object({
  requests: z.number().int(),
  medianMinutes: z.number().nullable(),
  p90Minutes: z.number().nullable(),
});
const slaSchema = z.object({
  met: z.number().int(),
  missed: z.number().int(),
  pending: z.number().int(),
  share: z.number().nullable().describe("met / (met + missed)"),
});
const timingFields = {
  requests: z.number().int(),
  firstAction: durationsSchema,
  outcome: durationsSchema,
  sla: slaSchema,
};
const outcomeCountsSchema = z.object({
  rebooked: z.number().int(),
  cancelled: z.number().int(),
  rejected: z.number().int(),
  needs_patient_contact: z.number().int(),
  already_done_in_pkb: z.number().int().describe("Closed by Rebook: PKB already showed the cancellation"),
  none: z.number().int(),
});

const volumeSchema = z.object({
  range: bucketedRangeSchema,
  requests: z.number().int(),
  buckets: z.array(
    z.object({
      ...bucketFields,
      requests: z.number().int(),
      change: z.number().int(),
      cancel: z.number().int(),
      unknownType: z.number().int(),
    }),
  ),
  cells: z.array(
    z.object({
      bucket: z.string(),
      specialtyCode: z.string().nullable(),
      specialtyName: z.string().nullable(),
      teamId: z.uuid().nullable(),
      teamName: z.string().nullable(),
      type: z.enum(REQUEST_TYPES).nullable(),
      requests: z.number().int(),
    }),
  ),
});
const backlogSchema = z.object({
  range: bucketedRangeSchema,
  asOf: z.date(),
  buckets: z.array(z.object({ ...bucketFields, at: z.date().nullable(), open: z.number().int().nullable() })),
});
const timingsSchema = z.object({
  range: bucketedRangeSchema,
  asOf: z.date(),
  overall: z.object(timingFields),
  buckets: z.array(z.object({ ...bucketFields, ...timingFields })),
  specialties: z.array(
    z.object({ specialtyCode: z.string().nullable(), specialtyName: z.string().nullable(), ...timingFields }),
  ),
});
const outcomesSchema = z.object({
  range: bucketedRangeSchema,
  requests: z.number().int(),
  outcomes: outcomeCountsSchema,
  buckets: z.array(z.object({ ...bucketFields, requests: z.number().int(), outcomes: outcomeCountsSchema })),
});
const summarySchema = z.object({
  range: rangeSchema,
  asOf: z.date(),
  requests: z.number().int(),
  status: z.object({
    processing: z.number().int(),
    open: z.number().int(),
    in_progress: z.number().int(),
    done: z.number().int(),
    error: z.number().int(),
  }),
  unmatched: z.object({
    review: z.number().int(),
    noCandidates: z.number().int(),
    notApplicable: z.number().int(),
    total: z.number().int(),
  }),
  error: z.number().int(),
  sla: slaSchema,
});
const rowSchema = z.object({
  id: z.uuid(),
  receivedAt: z.date(),
  type: z.enum(REQUEST_TYPES).nullable(),
  status: z.enum(REQUEST_STATUSES),
  matchState: z.enum(MATCH_STATES),
  specialtyCode: z.string().nullable(),
  specialtyName: z.string().nullable(),
  teamId: z.uuid().nullable(),
  teamName: z.string().nullable(),
  firstActionAt: z.date().nullable(),
  minutesToFirstAction: z.number().nullable(),
  outcome: z.enum(OUTCOMES).nullable(),
  outcomeAt: z.date().nullable(),
  minutesToOutcome: z.number().nullable(),
  deadlineAt: z.date(),
  deadlineMet: z.boolean().nullable(),
});

const DEFINITIONS = {
  volume: "Requests received in the range, per bucket of receipt (local time), specialty, team and type.",
  backlog:
    "At each bucket's end: requests received before it and not done at it (from the status history); earlier requests carry over.",
  timings:
    "Minutes from receipt to the first action (first history event made by a person) and to the outcome (first outcome recorded or change to done): median and 90th percentile; share handled by the deadline (deadline_at: the earlier of received + the SLA — REQUEST_SLA_WORKING_HOURS of the team's working time, or REQUEST_SLA_HOURS for a team around the clock, paused while waiting for the patient — and linked appointment − APPOINTMENT_LEAD_HOURS); met = outcome at or before it, missed = outcome after it or none and it has passed.",
  outcomes: "Current outcome of the requests received in the range, per bucket of receipt; none = no outcome yet.",
  summary: "Requests received in the range: by status, still unmatched (not done), in error, deadline share.",
  rows: "One row per request received in the range, oldest first: timings, outcome, deadline. No patient identifiers.",
};
/** What every CSV download's description says about its format. */
export const CSV_NOTE =
  " CSV: RFC 4180, UTF-8 with BOM, header row, instants in UTC and local time, text cells starting with = + - @ prefixed with '.";

/** Sends a CSV document as a download named after the report and its range. */
export function sendCsv(
  reply: FastifyReply,
  name: string,
  range: { from: string; to: string },
  body: string | Readable,
) {
  return reply
    .header("content-type", "text/csv; charset=utf-8")
    .header("content-disposition", `attachment; filename="${csvFilename(name, range.from, range.to)}"`)
    .header("cache-control", "no-store")
    .send(body);
}

/** The report routes. */
export const reportRoutes: FastifyPluginAsyncZod<AppDeps> = async (app, deps) => {
  // Every route here is a report: sign-in and canReadReports first, before the query is even validated.
  app.addHook("onRequest", async (req) => {
    ensure(canReadReports(requireUser(req)), "Reports are for team leads, viewers and admins");
  });
  const ctx = (): { now: Date } => ({ now: new Date() });
  const tags = ["Reports"];
  const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema };

  /** An aggregate report as JSON at /api/reports/<name> and as CSV at /api/reports/<name>.csv. */
  const aggregate = <Q extends typeof bucketedQuery | typeof filterQuery, R>(
    name: Exclude<keyof typeof DEFINITIONS, "rows">,
    summary: string,
    querystring: Q,
    response: z.ZodType,
    load: (q: z.output<Q>) => Promise<R>,
    table: (report: R) => CsvTable,
  ): void => {
    const description = DEFINITIONS[name];
    const capitalised = name[0]!.toUpperCase() + name.slice(1);
    app.get(
      `/api/reports/${name}`,
      {
        schema: {
          tags,
          operationId: `get${capitalised}Report`,
          summary,
          description,
          querystring,
          response: { 200: response, ...errors },
        },
      },
      async (req) => load(req.query as z.output<Q>),
    );
    app.get(
      `/api/reports/${name}.csv`,
      {
        schema: {
          tags,
          operationId: `export${capitalised}ReportCsv`,
          summary: `${summary} (CSV)`,
          description: description + CSV_NOTE,
          querystring,
          produces: ["text/csv"],
          response: errors,
        },
      },
      async (req, reply) => {
        const q = req.query as z.output<Q>;
        return sendCsv(reply, name, q, csvDocument(table(await load(q))));
      },
    );
  };

  aggregate(
    "volume",
    "Request volume over time",
    bucketedQuery,
    volumeSchema,
    (q) => volumeReport(deps.db, toBucketed(q)),
    volumeTable,
  );
  aggregate(
    "backlog",
    "Open backlog over time",
    bucketedQuery,
    backlogSchema,
    (q) => backlogReport(deps.db, toBucketed(q), new Date()),
    backlogTable,
  );
  aggregate(
    "timings",
    "Time to first action and to outcome; deadline share",
    bucketedQuery,
    timingsSchema,
    (q) => timingsReport(deps.db, toBucketed(q), ctx()),
    timingsTable,
  );
  aggregate(
    "outcomes",
    "Outcomes breakdown",
    bucketedQuery,
    outcomesSchema,
    (q) => outcomesReport(deps.db, toBucketed(q)),
    outcomesTable,
  );
  aggregate(
    "summary",
    "Headline figures: unmatched, in review, in error, deadline share",
    filterQuery,
    summarySchema,
    (q) => summaryReport(deps.db, toFilter(q), ctx()),
    summaryTable,
  );

  app.get(
    "/api/reports/rows",
    {
      schema: {
        tags,
        operationId: "getReportRows",
        summary: "Row-level data, one request per row (pages)",
        description: `${DEFINITIONS.rows} Keyset pages: pass nextCursor as cursor (same filters) for the next; null on the last.`,
        querystring: rowsQuery,
        response: { 200: z.object({ items: z.array(rowSchema), nextCursor: z.string().nullable() }), ...errors },
      },
    },
    async (req) =>
      reportRowsPage(deps.db, toFilter(req.query), {
        ...ctx(),
        cursor: req.query.cursor ?? null,
        limit: req.query.limit,
      }),
  );
  app.get(
    "/api/reports/rows.csv",
    {
      schema: {
        tags,
        operationId: "exportReportRowsCsv",
        summary: "Row-level data (CSV, the whole range, streamed)",
        description: `${DEFINITIONS.rows} One snapshot: the rows as they stood when the download began (a request changed meanwhile is shown once, as it was then), read from the store in chunks as it is sent.${CSV_NOTE}`,
        querystring: filterQuery,
        produces: ["text/csv"],
        response: errors,
      },
    },
    async (req, reply) => {
      const user = requireUser(req);
      const filter = toFilter(req.query);
      // A bulk export of request-level data: who took which range is worth knowing.
      await recordAudit(deps.db, {
        actorUserId: user.id,
        actorLabel: user.displayName,
        action: "report.rows_exported",
        details: {
          from: filter.from,
          to: filter.to,
          teamId: filter.teamId ?? null,
          specialtyCode: filter.specialtyCode ?? null,
          type: filter.type ?? null,
        },
        ip: req.ip,
      });
      const rows = streamReportRows(deps.db, filter, ctx());
      async function* lines(): AsyncGenerator<string> {
        yield CSV_BOM + csvLine(ROWS_HEADER);
        for await (const chunk of rows) yield chunk.map((r) => csvLine(rowCells(r, filter.zone))).join("");
      }
      endStalledDownload(reply, deps.exportStallMs);
      return sendCsv(reply, "rows", req.query, Readable.from(lines()));
    },
  );
};
