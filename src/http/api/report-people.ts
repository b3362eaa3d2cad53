// The per-person report: requests handled and time to outcome per person, beside the team and overall figures, and
// the share of patients answered; JSON and CSV. Per-person figures are for admins (every team) and team leads (the
// requests of the teams they lead); viewers get the team and overall figures only.
import type { FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { ensure, requireUser } from "../../auth/guard.ts";
import { canReadReports, type SessionUser } from "../../auth/permissions.ts";
import { csvDocument, type Cell, type CsvTable } from "../../reports/csv.ts";
import { peopleReport, type HandledFigures, type PeopleReport } from "../../reports/people.ts";
import type { AppDeps } from "../server.ts";
import { errorSchema } from "./common.ts";
import { CSV_NOTE, filterQuery, sendCsv, toFilter } from "./reports.ts";

const DEFINITION =
  "Requests received in the range that have an outcome, by who recorded their first outcome: how many, minutes from receipt to the outcome (median and 90th percentile, exact), how many by their deadline, and the share whose patient was answered. Per person for admins (every team) and team leads (the requests of the teams they lead); team and overall figures for every report reader.";

const figuresFields = {
  handled: z.number().int(),
  medianMinutesToOutcome: z.number().nullable(),
  p90MinutesToOutcome: z.number().nullable(),
  byDeadline: z.number().int(),
  answered: z.number().int().describe("Patient answered recorded"),
  answeredShare: z.number().nullable().describe("answered / handled"),
};
const peopleSchema = z.object({
  range: z.object({ from: z.string(), to: z.string(), zone: z.string(), start: z.date(), end: z.date() }),
  overall: z.object(figuresFields),
  teams: z.array(z.object({ teamId: z.uuid().nullable(), teamName: z.string().nullable(), ...figuresFields })),
  people: z
    .array(z.object({ userId: z.uuid().nullable(), displayName: z.string(), ...figuresFields }))
    .nullable()
    .describe("Null when you may not see per-person figures (viewers)"),
  peopleTeams: z.array(z.uuid()).nullable().describe("Teams the per-person figures cover; null = every team"),
});

/** Whose per-person figures `user` may see: null = everyone's, a list = those teams' requests, undefined = none. */
export function peopleScope(user: SessionUser): string[] | null | undefined {
  if (user.role === "admin") return null;
  if (user.role === "team_lead") return user.leadTeamIds;
  return undefined;
}

const cells = (f: HandledFigures): Cell[] => [
  f.handled,
  f.medianMinutesToOutcome,
  f.p90MinutesToOutcome,
  f.byDeadline,
  f.answered,
  f.answeredShare,
];

/** People report as CSV: one row per scope (overall, each team, each person). */
export function peopleTable(r: PeopleReport): CsvTable {
  return {
    header: [
      "scope",
      "team_id",
      "team",
      "user_id",
      "person",
      "handled",
      "median_minutes_to_outcome",
      "p90_minutes_to_outcome",
      "by_deadline",
      "answered",
      "answered_share",
    ],
    rows: [
      ["overall", null, null, null, null, ...cells(r.overall)],
      ...r.teams.map((t): Cell[] => ["team", t.teamId, t.teamName, null, null, ...cells(t)]),
      ...(r.people ?? []).map((p): Cell[] => ["person", null, null, p.userId, p.displayName, ...cells(p)]),
    ],
  };
}

/** GET /api/reports/people and /api/reports/people.csv. */
export const peopleReportRoutes: FastifyPluginAsyncZod<AppDeps> = async (app, deps) => {
  app.addHook("onRequest", async (req) => {
    ensure(canReadReports(requireUser(req)), "Reports are for team leads, viewers and admins");
  });
  const load = (req: FastifyRequest, q: z.infer<typeof filterQuery>) =>
    peopleReport(deps.db, toFilter(q), { peopleTeams: peopleScope(requireUser(req)) });
  const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema };
  app.get(
    "/api/reports/people",
    {
      schema: {
        tags: ["Reports"],
        operationId: "getPeopleReport",
        summary: "Requests handled and time to outcome per person, team and overall; share of patients answered",
        description: DEFINITION,
        querystring: filterQuery,
        response: { 200: peopleSchema, ...errors },
      },
    },
    async (req) => load(req, req.query),
  );
  app.get(
    "/api/reports/people.csv",
    {
      schema: {
        tags: ["Reports"],
        operationId: "exportPeopleReportCsv",
        summary: "Requests handled per person, team and overall (CSV)",
        description: DEFINITION + CSV_NOTE,
        querystring: filterQuery,
        produces: ["text/csv"],
        response: errors,
      },
    },
    async (req, reply) => sendCsv(reply, "people", req.query, csvDocument(peopleTable(await load(req, req.query)))),
  );
};
