// Appointment requests: the worklist (filter, search, keyset pages), one request in full (audited), and retry of a
// request the pipeline gave up on. Each person sees only their teams' requests (admins all); one they may not see
// answers 404, as if it did not exist.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { formatUkDateTime } from "../../domain/uk-time.ts";
import { requireUser } from "../../auth/guard.ts";
import { visibleTeams, type SessionUser } from "../../auth/permissions.ts";
import { retryRequest } from "../../requests/commands/retry.ts";
import { viewRequest } from "../../requests/views.ts";
import {
  EVENT_TYPES,
  MATCH_STATES,
  MESSAGE_KINDS,
  OUTCOMES,
  PARSE_STATUSES,
  PATIENT_STATES,
  PKB_CONFIRMATION_STATES,
  PKB_FLAGS,
  PRIORITIES,
  REQUEST_STATUSES,
  REQUEST_TYPES as TYPES,
} from "../../requests/vocabulary.ts";
import { recordAudit } from "../../store/audit.ts";
import { proposalsIn } from "../../domain/proposals.ts";
import {
  countRequests,
  listRequests,
  listSpecialties,
  SEARCH_MAX_LENGTH,
  type RequestDetail,
  type RequestFilter,
} from "../../store/request-queries.ts";
import type { AppDeps } from "../server.ts";
import { actionContext, errorSchema } from "./common.ts";
import { presenceStore } from "../../events/presence.ts";
import { AppError } from "../../errors.ts";
import type { DeadlineView } from "../../domain/deadline.ts";
import type { DueState } from "../../store/request-queries.ts";
import { deadlineSchema, presenceEntrySchema, presentDeadline, type PresenceEntry } from "./workflow-schemas.ts";

/** A filter that takes several values: `?status=open&status=error` or `?status=open,error`. */
const listParam = <const T extends readonly [string, ...string[]]>(values: T) =>
  z
    .union([z.string(), z.array(z.string())])
    .transform((v) =>
      (Array.isArray(v) ? v : [v])
        .flatMap((s) => s.split(","))
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(values)))
    .optional()
    .describe(`One or more of ${values.join(", ")}: repeat the parameter or separate with commas`);

const instantParam = z.iso
  .datetime({ offset: true })
  .transform((s) => new Date(s))
  .optional();

/** The worklist's query: filters, sort and page (saved views keep the filters and sort of one). */
export const listQuery = z.object({
  status: listParam(REQUEST_STATUSES),
  type: listParam(TYPES),
  match_state: listParam(MATCH_STATES),
  patient_state: listParam(PATIENT_STATES),
  team_id: z
    .union([z.uuid(), z.literal("none")])
    .optional()
    .describe('A team id, or "none" for unrouted requests'),
  assigned_user_id: z
    .union([z.uuid(), z.literal("none")])
    .optional()
    .describe('A user id, or "none" for unassigned'),
  specialty_code: z.string().trim().min(1).max(100).optional(),
  received_from: instantParam.describe("ISO 8601 instant with offset; requests received at or after it"),
  received_to: instantParam.describe("ISO 8601 instant with offset; requests received before it"),
  q: z
    .string()
    .max(SEARCH_MAX_LENGTH, `Search must be ${SEARCH_MAX_LENGTH} characters or fewer`)
    .optional()
    .describe(
      "Patient name (each word begins the first or last name; accents and case ignored), NHS number (10 digits, spaces or dashes allowed), the start of the trust's appointment id (any case) or the start of the specialty's name",
    ),
  assigned_to: z.literal("me").optional().describe('"me": only requests assigned to the signed-in user'),
  overdue: z.literal("true").optional().describe("true: only requests past their deadline (not done)"),
  due: listParam(["overdue", "due_soon", "on_track", "passed"]).describe(
    "Deadline state now (requests not done): overdue, due_soon (within DUE_SOON_HOURS), on_track, or passed (the appointment passed before anyone acted: never counted as overdue)",
  ),
  pkb_flag: listParam(PKB_FLAGS).describe(
    "Open requests PKB shows moved or cancelled since the change was asked for (docs/settling.md)",
  ),
  repeated: z
    .enum(["true", "false"])
    .optional()
    .describe(
      "true: requests the patient asked about more than once (repeats attached, or asked again after an outcome)",
    ),
  confirmation: listParam(PKB_CONFIRMATION_STATES).describe(
    "Whether PKB shows the outcome: not_needed, awaiting, confirmed or not_confirmed (docs/pkb-confirmation.md); repeat the parameter or separate with commas",
  ),
  sort: z
    .enum(["received_desc", "received_asc", "appointment_start", "deadline", "priority"])
    .default("received_desc")
    .describe(
      "Newest first (default), oldest first, soonest linked appointment first (unlinked last), most urgent first (deadline state: overdue, due soon, on track, done; then priority, urgent first; then the deadline), or highest priority first (then deadline state and the deadline)",
    ),
  cursor: z.string().max(1000).optional().describe("nextCursor of the previous page"),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

/**
 * The store filter for a worklist query, as `user` sees it (their teams; "assigned_to=me" is them) at `now`. Throws
 * 400 conflicting_filters for assigned_to with assigned_user_id.
 */
export function requestFilter(
  q: Omit<z.infer<typeof listQuery>, "sort" | "cursor" | "limit">,
  user: SessionUser,
  now: Date,
  dueSoonMs: number,
): RequestFilter {
  if (q.assigned_to && q.assigned_user_id) {
    throw new AppError("conflicting_filters", "Give assigned_to or assigned_user_id, not both", 400);
  }
  // overdue=true narrows `due` (every filter given must hold).
  const dueStates: DueState[] | null =
    q.due || q.overdue ? (q.due ?? ["overdue"]).filter((s) => !q.overdue || s === "overdue") : null;
  return {
    teamIds: visibleTeams(user),
    status: q.status,
    type: q.type,
    matchState: q.match_state,
    patientState: q.patient_state,
    teamId: q.team_id,
    assignedUserId: q.assigned_to === "me" ? user.id : q.assigned_user_id,
    due: dueStates ? { states: dueStates, now, dueSoonMs } : undefined,
    specialtyCode: q.specialty_code,
    confirmation: q.confirmation,
    pkbFlag: q.pkb_flag,
    repeated: q.repeated === undefined ? undefined : q.repeated === "true",
    receivedFrom: q.received_from,
    receivedTo: q.received_to,
    q: q.q,
  };
}

const appointmentSchema = z.object({
  fhirId: z.string(),
  externalId: z.string().nullable(),
  start: z.date().nullable(),
  specialtyCode: z.string().nullable(),
  specialtyDisplay: z.string().nullable(),
  type: z.string().nullable(),
  location: z.string().nullable(),
  status: z.string().nullable(),
});

const proposalSchema = z
  .object({
    text: z.string().describe("The patient's words"),
    date: z
      .string()
      .nullable()
      .describe("UK date YYYY-MM-DD (with week: the Monday of the week); null for a time or part of day alone"),
    week: z.boolean().describe("The patient proposed a week, not a day"),
    time: z.string().nullable().describe("UK wall-clock HH:MM"),
    partOfDay: z.enum(["morning", "afternoon", "evening"]).nullable(),
  })
  .describe(
    "A day, time or part of the day the patient proposes in their note (read relative to when it was sent, UK time)",
  );

const itemFields = {
  id: z.uuid(),
  receivedAt: z.date(),
  type: z.enum(TYPES).nullable(),
  status: z.enum(REQUEST_STATUSES),
  parseStatus: z.enum(PARSE_STATUSES),
  matchState: z.enum(MATCH_STATES),
  matchConfidence: z.number().nullable(),
  appointment: appointmentSchema.nullable(),
  teamId: z.uuid().nullable(),
  teamName: z.string().nullable(),
  assignedUserId: z.uuid().nullable(),
  priority: z.enum(PRIORITIES),
  errorReason: z.string().nullable(),
  deadline: deadlineSchema,
  pkbConfirmation: z
    .object({
      state: z.enum(PKB_CONFIRMATION_STATES),
      due: z.date().nullable().describe("The limit: PKB should show the outcome by then (CONFIRM_WITHIN_HOURS)"),
      checkedAt: z.date().nullable().describe("The last check that read PKB"),
      confirmedAt: z.date().nullable().describe("The check that found the outcome in PKB"),
      shows: z
        .string()
        .nullable()
        .describe('What PKB showed at the last check, e.g. "PKB still shows Mon 12 Oct 16:00"'),
    })
    .describe("Whether PKB shows the recorded outcome (rebooked or cancelled); not_needed for any other"),
  askedCount: z
    .number()
    .int()
    .describe("How many requests the patient sent for this appointment while it was open (repeats attach to it)"),
  pkbFlag: z
    .object({
      kind: z.enum(PKB_FLAGS),
      text: z.string().describe('"PKB shows this appointment moved to Tue 14 Oct 10:30 since the request"'),
      movedTo: z.date().nullable(),
    })
    .nullable()
    .describe("What PKB shows of the appointment that a person must look at (docs/settling.md); null: nothing"),
  appointmentPassedAt: z
    .date()
    .nullable()
    .describe("When the request was marked: its appointment passed before anyone acted (or before it was received)"),
  previousRequestId: z
    .uuid()
    .nullable()
    .describe("The earlier request for the same appointment, done when this one came (asked again after an outcome)"),
  proposals: z.array(proposalSchema).describe("What the patient proposes in the request's note, in their order"),
};

const requestItemSchema = z.object({
  ...itemFields,
  patient: z.object({
    pkbUserId: z.string().nullable(),
    name: z.string().nullable(),
    nhsNumber: z.string().nullable().describe("10 digits, as stored"),
  }),
});

const evidenceSchema = z.object({ factor: z.string(), points: z.number(), text: z.string() });

const requestDetailSchema = z.object({
  ...itemFields,
  conversationId: z.string(),
  outcome: z.enum(OUTCOMES).nullable(),
  outcomeDetails: z.record(z.string(), z.unknown()).nullable(),
  presence: z.array(presenceEntrySchema).describe("Others viewing or editing it now (not the caller)"),
  attempts: z.number().int(),
  nextAttemptAt: z.date().nullable(),
  requested: z.object({
    start: z.date().nullable().describe("The instant the message's UK wall-clock time means"),
    startUk: z.string().nullable().describe('That instant on the UK clock, e.g. "Sun 14 Sep 2025, 00:00 (BST)"'),
    subject: z.string().nullable(),
  }),
  patientNote: z.string(),
  pkbTeamName: z.string().nullable(),
  patient: z.object({
    state: z.enum(PATIENT_STATES),
    pkbUserId: z.string().nullable(),
    name: z.string().nullable(),
    nhsNumber: z.string().nullable(),
    title: z.string().nullable(),
    firstName: z.string().nullable(),
    lastName: z.string().nullable(),
    dob: z.string().nullable().describe("YYYY-MM-DD"),
    email: z.string().nullable(),
    phone: z.string().nullable(),
    detailsFetchedAt: z.date().nullable(),
  }),
  messages: z.array(
    z.object({
      id: z.string(),
      sentAt: z.date(),
      subject: z.string(),
      content: z.string(),
      senderId: z.string().nullable(),
      kind: z.enum(MESSAGE_KINDS).nullable(),
      isRequest: z.boolean(),
      proposals: z.array(proposalSchema),
    }),
  ),
  match: z.object({
    state: z.enum(MATCH_STATES),
    confidence: z.number().nullable(),
    summary: z.array(z.string()),
    evidence: z.array(evidenceSchema).describe("Why the best candidate scored what it did"),
    candidates: z.array(
      z.object({
        fhirId: z.string(),
        externalId: z.string().nullable(),
        start: z.date().nullable(),
        startUk: z.string().nullable(),
        status: z.string(),
        appointmentType: z.string().nullable(),
        description: z.string().nullable(),
        specialtyCode: z.string().nullable(),
        specialtyDisplay: z.string().nullable(),
        location: z.string().nullable(),
        fhirIdNotExact: z
          .boolean()
          .optional()
          .describe(
            "True when PKB's id held characters Rebook cannot store: fhirId is shown made storable; never linkable",
          ),
        externalIdNotExact: z
          .boolean()
          .optional()
          .describe("True when the trust's id held characters Rebook cannot store: externalId is shown made storable"),
        score: z.number(),
        evidence: z.array(evidenceSchema),
      }),
    ),
  }),
  routing: z.object({
    team: z.object({ id: z.uuid(), name: z.string() }).nullable(),
    rule: z.object({ id: z.uuid(), name: z.string() }).nullable(),
    priority: z.enum(PRIORITIES),
  }),
  assignment: z.object({
    user: z.object({ id: z.uuid(), displayName: z.string(), email: z.string() }).nullable(),
  }),
  previousRequest: z
    .object({
      id: z.uuid(),
      receivedAt: z.date(),
      outcome: z.enum(OUTCOMES).nullable(),
      status: z.enum(REQUEST_STATUSES),
    })
    .nullable()
    .describe("The earlier request for the same appointment (asked again after an outcome)"),
  history: z.array(
    z.object({
      id: z.number().int(),
      at: z.date(),
      type: z.enum(EVENT_TYPES),
      actor: z.object({ userId: z.uuid(), displayName: z.string() }).nullable(),
      data: z.record(z.string(), z.unknown()),
    }),
  ),
});

const uk = (d: Date | null): string | null => (d ? formatUkDateTime(d) : null);

const presentDetail = (
  d: RequestDetail,
  live: { deadline: DeadlineView; presence: PresenceEntry[] },
): z.infer<typeof requestDetailSchema> => ({
  ...d,
  ...live,
  proposals: proposalsIn(d.patientNote, d.receivedAt, d.requestedStart ?? d.appointment?.start ?? null),
  messages: d.messages.map((m) => ({
    ...m,
    proposals: proposalsIn(m.content, m.sentAt, d.requestedStart ?? d.appointment?.start ?? null),
  })),
  requested: { start: d.requestedStart, startUk: uk(d.requestedStart), subject: d.requestedSubject },
  patient: {
    state: d.patientState,
    ...d.patient,
    title: d.patientDetails?.title ?? null,
    firstName: d.patientDetails?.firstName ?? null,
    lastName: d.patientDetails?.lastName ?? null,
    dob: d.patientDetails?.dob ?? null,
    email: d.patientDetails?.email ?? null,
    phone: d.patientDetails?.phone ?? null,
    detailsFetchedAt: d.patientDetails?.fetchedAt ?? null,
  },
  match: {
    state: d.matchState,
    confidence: d.matchConfidence,
    summary: d.evidence.summary,
    evidence: d.evidence.best,
    candidates: d.candidates.map((c) => ({ ...c, startUk: uk(c.start) })),
  },
  routing: {
    team: d.teamId && d.teamName ? { id: d.teamId, name: d.teamName } : null,
    rule: d.routingRule,
    priority: d.priority,
  },
  assignment: { user: d.assignedUser },
});

const idParams = z.object({ id: z.uuid() });

/** The appointment request routes. */
export const requestRoutes: FastifyPluginAsyncZod<AppDeps> = async (app, deps) => {
  app.get(
    "/api/requests",
    {
      schema: {
        tags: ["Requests"],
        operationId: "listRequests",
        summary: "The worklist: filter, search and page through requests",
        description:
          "Keyset pagination: pass the response's nextCursor as `cursor` (with the same filters and sort) for the next page; null means the last page.",
        querystring: listQuery,
        response: {
          200: z.object({
            items: z.array(requestItemSchema),
            nextCursor: z.string().nullable(),
            total: z
              .number()
              .int()
              .describe("How many requests match the filters, on every page (at most 10,000: see totalCapped)"),
            totalCapped: z
              .boolean()
              .describe(
                "True when more than `total` requests match: counting stops at 10,000 (show it as 'more than 10,000')",
              ),
          }),
          400: errorSchema,
        },
      },
    },
    async (req) => {
      const q = req.query;
      const now = new Date();
      const filter = requestFilter(q, requireUser(req), now, deps.config.workflow.dueSoonMs);
      const page = await listRequests(deps.db, {
        filter,
        sort: q.sort,
        cursor: q.cursor ?? null,
        limit: q.limit,
        urgency: { now, dueSoonMs: deps.config.workflow.dueSoonMs },
      });
      // A list shows patients' names and NHS numbers: who saw which requests, and who searched for what, is audited.
      // (A search is recorded even when it finds nothing; an empty list without one showed nothing.)
      if (page.items.length > 0 || q.q) {
        const user = requireUser(req);
        await recordAudit(deps.db, {
          actorUserId: user.id,
          actorLabel: user.displayName,
          action: "requests.listed",
          details: {
            shown: page.items.length,
            ...(q.q ? { search: q.q } : {}),
            requestIds: page.items.map((i) => i.id),
          },
          ip: req.ip,
        });
      }
      // The total (for "1–50 of 162", or "of more than 10,000"): one count over the same filters; a single page needs none.
      const { count: total, capped: totalCapped } =
        !q.cursor && page.nextCursor === null
          ? { count: page.items.length, capped: false }
          : await countRequests(deps.db, filter);
      return {
        ...page,
        total,
        totalCapped,
        items: page.items.map((i) => ({
          ...i,
          deadline: presentDeadline(i, now, deps.config.workflow.dueSoonMs),
          proposals: proposalsIn(i.patientNote, i.receivedAt, i.requestedStart ?? i.appointment?.start ?? null),
        })),
      };
    },
  );

  app.get(
    "/api/specialties",
    {
      schema: {
        tags: ["Requests"],
        operationId: "listSpecialties",
        summary: "The specialties requests' appointments have had, by name (for filters)",
        description:
          "Every specialty code seen on a linked appointment, with the latest name PKB gave it and how many requests had it. Names only: no patient data.",
        response: {
          200: z.array(z.object({ code: z.string(), display: z.string().nullable(), requests: z.number().int() })),
        },
      },
    },
    async () => listSpecialties(deps.db),
  );

  app.get(
    "/api/requests/:id",
    {
      schema: {
        tags: ["Requests"],
        operationId: "getRequest",
        summary: "One request in full: conversation, patient, match evidence, routing and history",
        description: "Every successful view is written to the audit log (action request.viewed).",
        params: idParams,
        response: { 200: requestDetailSchema, 404: errorSchema },
      },
    },
    async (req) => {
      const detail = await viewRequest(deps.db, { actor: requireUser(req), ip: req.ip, requestId: req.params.id });
      return presentDetail(detail, {
        deadline: presentDeadline(detail, new Date(), deps.config.workflow.dueSoonMs),
        presence: presenceStore(deps.db).list(detail.id, req.user?.id),
      });
    },
  );

  app.post(
    "/api/requests/:id/retry",
    {
      schema: {
        tags: ["Requests"],
        operationId: "retryRequest",
        summary: "Send a request in error back to the pipeline",
        description:
          "Only for status error (else 409 not_in_error), by someone who may work the request (else 403). The pipeline runs straight away.",
        params: idParams,
        response: {
          200: z.object({ id: z.uuid(), status: z.literal("processing"), nextAttemptAt: z.date() }),
          403: errorSchema,
          404: errorSchema,
          409: errorSchema,
        },
      },
    },
    async (req) => {
      const result = await retryRequest(deps.db, { ...actionContext(req), requestId: req.params.id });
      void deps.poller.runNow();
      return result;
    },
  );
};
