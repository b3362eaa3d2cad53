// PKB confirmation beyond the single request: the team leads' banner count (requests of their teams PKB does not
// show within the limit), and the report — time from outcome to PKB confirmation and the share confirmed within the
// limit, per specialty and team — as JSON and CSV.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { ensure, requireUser } from "../../auth/guard.ts";
import { canReadReports } from "../../auth/permissions.ts";
import { confirmationReport, type ConfirmationFigures, type ConfirmationReport } from "../../reports/confirmation.ts";
import { csvDocument, type Cell, type CsvTable } from "../../reports/csv.ts";
import { applyConfirmationPolicy, confirmationCounts } from "../../store/pkb-confirmations.ts";
import { settlingReport, type SettlingFigures, type SettlingReport } from "../../reports/settling.ts";
import { applySettlePolicy } from "../../store/settle.ts";
import type { AppDeps } from "../server.ts";
import { errorSchema } from "./common.ts";
import { CSV_NOTE, filterQuery, sendCsv, toFilter } from "./reports.ts";

const figuresFields = {
  outcomes: z.number().int().describe("Rebooked or cancelled outcomes recorded in the range"),
  confirmed: z.number().int().describe("Shown in PKB (at any time)"),
  withinLimit: z.number().int().describe("Confirmed at or before the limit (CONFIRM_WITHIN_HOURS)"),
  late: z.number().int().describe("Confirmed after the limit"),
  notConfirmed: z.number().int().describe("Not shown in PKB and the limit has passed"),
  awaiting: z.number().int().describe("Not shown yet, the limit still ahead"),
  medianMinutes: z.number().nullable().describe("Minutes from outcome to confirmation, median of the confirmed"),
  p90Minutes: z.number().nullable().describe("Minutes from outcome to confirmation, 90th percentile"),
  share: z.number().nullable().describe("withinLimit / (confirmed + notConfirmed)"),
};

const reportSchema = z.object({
  range: z.object({ from: z.string(), to: z.string(), zone: z.string(), start: z.date(), end: z.date() }),
  asOf: z.date(),
  overall: z.object(figuresFields),
  specialties: z.array(
    z.object({ specialtyCode: z.string().nullable(), specialtyName: z.string().nullable(), ...figuresFields }),
  ),
  teams: z.array(z.object({ teamId: z.uuid().nullable(), teamName: z.string().nullable(), ...figuresFields })),
});

const DEFINITION =
  "Outcomes that PKB must show (rebooked, cancelled) recorded in the range (the request's current outcome): minutes from the outcome to the check that found it in PKB (median, 90th percentile), and the share confirmed within the limit (CONFIRM_WITHIN_HOURS), overall, per specialty of the linked appointment and per team.";

const FIGURE_HEADER = [
  "outcomes",
  "confirmed",
  "within_limit",
  "late",
  "not_confirmed",
  "awaiting",
  "median_minutes",
  "p90_minutes",
  "share_within_limit",
];
const figureCells = (f: ConfirmationFigures): Cell[] => [
  f.outcomes,
  f.confirmed,
  f.withinLimit,
  f.late,
  f.notConfirmed,
  f.awaiting,
  f.medianMinutes,
  f.p90Minutes,
  f.share,
];

/** The report as one CSV table: a row overall, then one per specialty and one per team. */
export function confirmationTable(r: ConfirmationReport): CsvTable {
  return {
    header: ["group", "code_or_id", "name", ...FIGURE_HEADER],
    rows: [
      ["overall", null, null, ...figureCells(r.overall)],
      ...r.specialties.map((s): Cell[] => ["specialty", s.specialtyCode, s.specialtyName, ...figureCells(s)]),
      ...r.teams.map((t): Cell[] => ["team", t.teamId, t.teamName, ...figureCells(t)]),
    ],
  };
}

const settlingFields = {
  requests: z.number().int().describe("Requests received in the range"),
  passedBeforeAction: z
    .number()
    .int()
    .describe("Appointment passed before action: it started before the request was received, or before any outcome"),
  passedBeforeReceived: z.number().int().describe("…of which it had already started when the request was received"),
  alreadyDoneInPkb: z.number().int().describe("Closed automatically: PKB already showed the cancellation"),
  flagged: z.number().int().describe("Open change requests PKB shows moved or cancelled since the request"),
  repeats: z.number().int().describe("Further requests patients sent for an appointment while its request was open"),
  askedAgain: z.number().int().describe("Requests asked again after an earlier request's outcome"),
};

const settlingSchema = z.object({
  range: z.object({ from: z.string(), to: z.string(), zone: z.string(), start: z.date(), end: z.date() }),
  overall: z.object(settlingFields),
  specialties: z.array(
    z.object({ specialtyCode: z.string().nullable(), specialtyName: z.string().nullable(), ...settlingFields }),
  ),
});

const SETTLING_DEFINITION =
  "Of the requests received in the range, overall and per specialty of the linked appointment: appointment passed before action (and how many had passed when received), closed automatically as already done in PKB, flagged because PKB shows the appointment moved or cancelled, repeats attached, and asked again after an outcome (docs/settling.md).";

const settlingCells = (f: SettlingFigures): Cell[] => [
  f.requests,
  f.passedBeforeAction,
  f.passedBeforeReceived,
  f.alreadyDoneInPkb,
  f.flagged,
  f.repeats,
  f.askedAgain,
];

/** The settling report as one CSV table: a row overall, then one per specialty. */
export function settlingTable(r: SettlingReport): CsvTable {
  return {
    header: [
      "group",
      "specialty_code",
      "specialty",
      "requests",
      "appointment_passed_before_action",
      "passed_before_received",
      "already_done_in_pkb",
      "pkb_shows_moved_or_cancelled",
      "repeats",
      "asked_again_after_outcome",
    ],
    rows: [
      ["overall", null, null, ...settlingCells(r.overall)],
      ...r.specialties.map((s): Cell[] => ["specialty", s.specialtyCode, s.specialtyName, ...settlingCells(s)]),
    ],
  };
}

/** The confirmation routes. */
export const confirmationRoutes: FastifyPluginAsyncZod<AppDeps> = async (app, deps) => {
  // The schedule in force for every instance (CONFIRM_* settings), as the workflow routes do with the deadline rules.
  await applyConfirmationPolicy(deps.db, deps.config.confirmation);
  // Likewise the settle processor's recheck interval (PKB_RECHECK_MINUTES, docs/settling.md).
  await applySettlePolicy(deps.db, deps.config.settle);
  const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema };

  app.get(
    "/api/pkb-confirmation/summary",
    {
      schema: {
        tags: ["Requests"],
        operationId: "getPkbConfirmationSummary",
        summary: "Requests of the teams you lead that PKB does not show yet",
        description:
          "Counts of requests whose outcome PKB did not show within CONFIRM_WITHIN_HOURS (notConfirmed) and whose check is still running (awaiting), among the requests of the teams the user leads (every team for an admin; none for other roles). For the team leads' banner.",
        response: {
          200: z.object({ notConfirmed: z.number().int(), awaiting: z.number().int() }),
          401: errorSchema,
        },
      },
    },
    async (req) => {
      const user = requireUser(req);
      if (user.role === "admin") return confirmationCounts(deps.db, null);
      if (user.leadTeamIds.length === 0) return { notConfirmed: 0, awaiting: 0 };
      return confirmationCounts(deps.db, user.leadTeamIds);
    },
  );

  const load = (q: z.output<typeof filterQuery>) => confirmationReport(deps.db, toFilter(q), { now: new Date() });
  const reportOnly = async (req: Parameters<typeof requireUser>[0]) =>
    ensure(canReadReports(requireUser(req)), "Reports are for team leads, viewers and admins");
  app.get(
    "/api/reports/confirmation",
    {
      onRequest: reportOnly,
      schema: {
        tags: ["Reports"],
        operationId: "getConfirmationReport",
        summary: "Time to PKB confirmation; share confirmed within the limit",
        description: DEFINITION,
        querystring: filterQuery,
        response: { 200: reportSchema, ...errors },
      },
    },
    async (req) => load(req.query),
  );
  app.get(
    "/api/reports/confirmation.csv",
    {
      onRequest: reportOnly,
      schema: {
        tags: ["Reports"],
        operationId: "exportConfirmationReportCsv",
        summary: "Time to PKB confirmation; share confirmed within the limit (CSV)",
        description: DEFINITION + CSV_NOTE,
        querystring: filterQuery,
        produces: ["text/csv"],
        response: errors,
      },
    },
    async (req, reply) =>
      sendCsv(reply, "confirmation", req.query, csvDocument(confirmationTable(await load(req.query)))),
  );

  const loadSettling = (q: z.output<typeof filterQuery>) => settlingReport(deps.db, toFilter(q));
  app.get(
    "/api/reports/settling",
    {
      onRequest: reportOnly,
      schema: {
        tags: ["Reports"],
        operationId: "getSettlingReport",
        summary: "Appointment passed before action, already done in PKB, repeats, per specialty",
        description: SETTLING_DEFINITION,
        querystring: filterQuery,
        response: { 200: settlingSchema, ...errors },
      },
    },
    async (req) => loadSettling(req.query),
  );
  app.get(
    "/api/reports/settling.csv",
    {
      onRequest: reportOnly,
      schema: {
        tags: ["Reports"],
        operationId: "exportSettlingReportCsv",
        summary: "Appointment passed before action, already done in PKB, repeats, per specialty (CSV)",
        description: SETTLING_DEFINITION + CSV_NOTE,
        querystring: filterQuery,
        produces: ["text/csv"],
        response: errors,
      },
    },
    async (req, reply) =>
      sendCsv(reply, "settling", req.query, csvDocument(settlingTable(await loadSettling(req.query)))),
  );
};
