// Working requests: claim, assign, unassign, status, outcome, transfer, internal notes, manual match and re-match, and
// presence (bulk changes: bulk.ts). A write to a request someone else holds needs `override: true` (409 held_by_other
// with the holder's name otherwise). Each route validates and calls one command of src/requests/commands/ (which locks the request, applies
// the permission rules — a request the caller may not see is 404, one they may only read is 403 — writes in one
// transaction and publishes the change on the event bus after the commit), then presents the result.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { eventBus } from "../../events/bus.ts";
import { presenceStore } from "../../events/presence.ts";
import type { CommandResult } from "../../requests/command.ts";
import { assignRequest, claimRequest, unassignRequest } from "../../requests/commands/assign.ts";
import { chooseCandidate, rematchRequest } from "../../requests/commands/match.ts";
import { addNote } from "../../requests/commands/notes.ts";
import { changeStatus, recordOutcome } from "../../requests/commands/status.ts";
import { transferRequest } from "../../requests/commands/transfer.ts";
import { requestFacts, viewNotes } from "../../requests/views.ts";
import { applyDeadlinePolicy } from "../../store/deadlines.ts";
import { NOTE_MAX_CHARS } from "../../store/notes.ts";
import type { AppDeps } from "../server.ts";
import { actionContext, errorSchema } from "./common.ts";
import {
  outcomeBody,
  overrideField,
  presenceEntrySchema,
  presentResult,
  reasonText,
  workflowResultSchema,
  workStatusSchema,
} from "./workflow-schemas.ts";

const tags = ["Workflow"];
const idParams = z.object({ id: z.uuid() });
const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema };

const noteSchema = z.object({
  id: z.number().int(),
  body: z.string(),
  createdAt: z.date(),
  author: z.object({ userId: z.uuid(), displayName: z.string() }).nullable(),
});

/**
 * The workflow routes. Applies the configured deadline policy to the store on start: `start()` (src/main.ts) has
 * applied it before the routes (recomputing a large store's deadlines outlasts a plugin's start), so there this finds
 * nothing to do; an app built without it (tests) gets it here.
 */
export const workflowRoutes: FastifyPluginAsyncZod<AppDeps> = async (app, deps) => {
  await applyDeadlinePolicy(deps.db, deps.config.workflow);
  const bus = eventBus(deps.db);
  const ctx = actionContext;
  const db = deps.db;
  const respond = async (run: Promise<CommandResult>) => presentResult(await run);

  app.post(
    "/api/requests/:id/claim",
    {
      schema: {
        tags,
        operationId: "claimRequest",
        summary: "Claim a request (assign it to yourself)",
        description:
          "409 already_assigned when someone else holds it, unless you lead its team (or are an admin) and pass takeOver: true.",
        params: idParams,
        body: z.object({ takeOver: z.boolean().default(false) }).nullish(),
        response: { 200: workflowResultSchema, ...errors },
      },
    },
    async (req) => respond(claimRequest(db, { ...ctx(req), requestId: req.params.id, takeOver: req.body?.takeOver })),
  );

  app.post(
    "/api/requests/:id/assign",
    {
      schema: {
        tags,
        operationId: "assignRequest",
        summary: "Assign a request to a member of its team",
        description:
          "Team leads of the request's team and admins assign anyone who is an active member of the team (400 not_a_team_member); clerks only themselves (403).",
        params: idParams,
        body: z.object({ userId: z.uuid(), override: overrideField }),
        response: { 200: workflowResultSchema, ...errors },
      },
    },
    async (req) => respond(assignRequest(db, { ...ctx(req), ...req.body, requestId: req.params.id })),
  );

  app.post(
    "/api/requests/:id/unassign",
    {
      schema: {
        tags,
        operationId: "unassignRequest",
        summary: "Unassign a request",
        description:
          "By its assignee, a team lead of its team or an admin (someone else's needs override). A request in progress goes back to open.",
        params: idParams,
        body: z.object({ override: overrideField }).nullish(),
        response: { 200: workflowResultSchema, ...errors },
      },
    },
    async (req) =>
      respond(unassignRequest(db, { ...ctx(req), override: req.body?.override, requestId: req.params.id })),
  );

  app.post(
    "/api/requests/:id/status",
    {
      schema: {
        tags,
        operationId: "setRequestStatus",
        summary: "Move a request: open → in_progress → done, back to open, or reopen a done one (with a reason)",
        description:
          "Done comes only with an outcome (409 outcome_required: record the outcome instead); 409 invalid_transition for any other move; 400 reason_required to reopen without a reason. Starting work on an unassigned request assigns it to you.",
        params: idParams,
        body: z.object({
          status: workStatusSchema,
          reason: z.string().trim().max(2000).optional(),
          override: overrideField,
        }),
        response: { 200: workflowResultSchema, ...errors },
      },
    },
    async (req) => respond(changeStatus(db, { ...ctx(req), ...req.body, requestId: req.params.id })),
  );

  app.post(
    "/api/requests/:id/outcome",
    {
      schema: {
        tags,
        operationId: "recordOutcome",
        summary: "Record what became of a request",
        description:
          "rebooked (newStart on the UK clock: 400 nonexistent_time for a time skipped when the clocks go forward; a time in the repeated autumn hour is taken as the first and flagged; 400 new_start_in_past for a time already past unless confirmPast, then recorded as a change made in the past), cancelled, rejected (reason) or needs_patient_contact (note). The request is done, except needs_patient_contact, which stays in progress.",
        params: idParams,
        body: outcomeBody.and(z.object({ override: overrideField })),
        response: { 200: workflowResultSchema, ...errors },
      },
    },
    async (req) => {
      const { override, ...outcome } = req.body;
      return respond(recordOutcome(db, { ...ctx(req), requestId: req.params.id, outcome, override }));
    },
  );

  app.post(
    "/api/requests/:id/transfer",
    {
      schema: {
        tags,
        operationId: "transferRequest",
        summary: "Move a misrouted request to another team, with a reason",
        description:
          "By anyone who may work it; open or in progress (409 request_closed, not_workable). 400 unknown_team for a team that does not exist. The holder lets go, the new team's auto-assignment applies, and a request in progress goes back to open. The same team changes nothing.",
        params: idParams,
        body: z.object({ teamId: z.uuid(), reason: reasonText, override: overrideField }),
        response: { 200: workflowResultSchema, ...errors },
      },
    },
    async (req) => respond(transferRequest(db, { ...ctx(req), ...req.body, requestId: req.params.id })),
  );

  app.get(
    "/api/requests/:id/notes",
    {
      schema: {
        tags,
        operationId: "listNotes",
        summary: "A request's internal notes, oldest first",
        description: "Audited as request.notes_viewed.",
        params: idParams,
        response: { 200: z.object({ items: z.array(noteSchema) }), 401: errorSchema, 404: errorSchema },
      },
    },
    async (req) => ({ items: await viewNotes(db, { ...ctx(req), requestId: req.params.id }) }),
  );

  app.post(
    "/api/requests/:id/notes",
    {
      schema: {
        tags,
        operationId: "addNote",
        summary: "Add an internal note (never sent to PKB)",
        params: idParams,
        body: z.object({ body: z.string().trim().min(1).max(NOTE_MAX_CHARS), override: overrideField }),
        response: { 201: z.object({ note: noteSchema, request: workflowResultSchema }), ...errors },
      },
    },
    async (req, reply) => {
      const { note, result } = await addNote(db, { ...ctx(req), ...req.body, requestId: req.params.id });
      return reply.status(201).send({ note, request: presentResult(result) });
    },
  );

  app.post(
    "/api/requests/:id/match",
    {
      schema: {
        tags,
        operationId: "matchRequest",
        summary: "Link the request to one of its stored candidates (manual match)",
        description:
          "400 not_a_candidate when fhirId is not among the request's candidates (re-match to search again); 409 " +
          "appointment_id_not_exact when PKB's id for that candidate held characters Rebook cannot store (fhirIdNotExact).",
        params: idParams,
        body: z.object({ fhirId: z.string().trim().min(1).max(200), override: overrideField }),
        response: { 200: workflowResultSchema, ...errors },
      },
    },
    async (req) => respond(chooseCandidate(db, { ...ctx(req), ...req.body, requestId: req.params.id })),
  );

  app.post(
    "/api/requests/:id/rematch",
    {
      schema: {
        tags,
        operationId: "rematchRequest",
        summary: "Search PKB for the patient's appointments again and replace the candidates",
        description:
          "Runs the pipeline's matching again: linked when one candidate is clear, otherwise review. 502 pkb_unavailable with the reason when PKB fails; 409 patient_not_identified without an NHS number.",
        params: idParams,
        body: z.object({ override: overrideField }).nullish(),
        response: { 200: workflowResultSchema, ...errors, 502: errorSchema },
      },
    },
    async (req) =>
      respond(rematchRequest(deps.sync, { ...ctx(req), override: req.body?.override, requestId: req.params.id })),
  );

  app.post(
    "/api/requests/:id/presence",
    {
      schema: {
        tags,
        operationId: "setPresence",
        summary: "Say you are viewing or editing a request (send every ~20 s; an entry lasts 60 s)",
        description:
          "Answers with the others present. Broadcast over /api/events. Editing needs permission to work the request (403).",
        params: idParams,
        body: z.object({ state: z.enum(["viewing", "editing"]) }),
        response: { 200: z.object({ presence: z.array(presenceEntrySchema) }), ...errors },
      },
    },
    async (req) => {
      const { actor } = ctx(req);
      const r = await requestFacts(db, actor, req.params.id, req.body.state === "editing" ? "work" : "view");
      const presence = presenceStore(deps.db);
      const request = { requestId: r.id, teamId: r.teamId, status: r.status, assignedUserId: r.assignedUserId };
      await bus.publish(presence.change(request, actor, req.body.state, new Date()));
      return { presence: presence.list(r.id, actor.id) };
    },
  );

  app.delete(
    "/api/requests/:id/presence",
    {
      schema: {
        tags,
        operationId: "leaveRequest",
        summary: "Say you left a request (closing its page)",
        params: idParams,
        response: { 204: z.null(), 401: errorSchema, 404: errorSchema },
      },
    },
    async (req, reply) => {
      const { actor } = ctx(req);
      const r = await requestFacts(db, actor, req.params.id, "view");
      const request = { requestId: r.id, teamId: r.teamId, status: r.status, assignedUserId: r.assignedUserId };
      await bus.publish(presenceStore(deps.db).change(request, actor, "left", new Date()));
      return reply.status(204).send(null);
    },
  );
};
