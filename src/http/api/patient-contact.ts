// Waiting for the patient (snooze with a reminder, the deadline paused) and answering them (reply templates, the
// filled-in reply with its channel, "patient answered").
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { adminOnly, requireUser } from "../../auth/guard.ts";
import { fillReply, REPLY_PLACEHOLDERS, replyAvailability, templateProblems } from "../../domain/reply.ts";
import { AppError, notFound } from "../../errors.ts";
import { loadWithAccess } from "../../requests/command.ts";
import { recordPatientAnswered } from "../../requests/commands/reply.ts";
import { stopWaiting, waitForPatient } from "../../requests/commands/snooze.ts";
import { CopyAndOpenPkb, type ReplyChannel } from "../../requests/reply-channel.ts";
import { OUTCOMES, PERSON_OUTCOMES } from "../../requests/vocabulary.ts";
import { recordAudit } from "../../store/audit.ts";
import { listReplyTemplates, readReplySource, replyTemplate, saveReplyTemplate } from "../../store/replies.ts";
import type { AppDeps } from "../server.ts";
import { actionContext, errorSchema } from "./common.ts";
import { overrideField, presentResult, workflowResultSchema } from "./workflow-schemas.ts";

const idParams = z.object({ id: z.uuid() });
const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema };

const templateSchema = z.object({
  outcome: z.enum(PERSON_OUTCOMES),
  body: z.string(),
  updatedAt: z.date(),
  updatedBy: z.string().nullable().describe("Display name of who last changed it (null: as installed)"),
});

const replySchema = z.object({
  outcome: z.enum(OUTCOMES).nullable(),
  offered: z.boolean().describe("Whether a reply is offered now"),
  reason: z.string().nullable().describe("Why not, when it is not (e.g. PKB does not show the change yet)"),
  text: z.string().nullable().describe("The template filled in (placeholders not known stay as [name])"),
  missing: z.array(z.string()).describe("Placeholders with no value for this request: fill them in before sending"),
  delivery: z
    .discriminatedUnion("kind", [
      z.object({
        kind: z.literal("copy_and_open"),
        sends: z.literal(false),
        openUrl: z.string(),
        instructions: z.string(),
      }),
      z.object({ kind: z.literal("api"), sends: z.literal(true), instructions: z.string() }),
    ])
    .describe("How the reply reaches the patient: today copy it and open the conversation in PKB"),
  answered: z.object({ at: z.date(), by: z.string().nullable() }).nullable().describe("Who recorded the answer, when"),
});

/** The waiting and reply routes. `channel` defaults to copy-and-open-PKB with PKB_CONVERSATION_URL. */
export const patientContactRoutes: FastifyPluginAsyncZod<AppDeps & { replyChannel?: ReplyChannel }> = async (
  app,
  deps,
) => {
  const channel = deps.replyChannel ?? new CopyAndOpenPkb(deps.config.replies.conversationUrl);
  const ctx = actionContext;
  const db = deps.db;

  app.post(
    "/api/requests/:id/wait",
    {
      schema: {
        tags: ["Workflow"],
        operationId: "waitForPatient",
        summary: "Wait for the patient until a date (snooze): the deadline pauses, a reminder brings it back",
        description:
          "For a request whose outcome is needs_patient_contact (409 not_waiting_for_patient otherwise). until is a UK date and time (09:00 when no time): a real date (400 invalid_date), a time that happens on it (400 nonexistent_time for one skipped when the clocks go forward, such as 01:30 on the last Sunday of March; one in the repeated autumn hour is taken as the first, BST, and the answer's warnings say so, as a rebooking's do), in the future (400 wait_not_in_future) and at most 90 days away (400 wait_too_long). When it comes, the request's assignee is told (live event) and the deadline runs again. Waiting again moves the end.",
        params: idParams,
        body: z.object({
          until: z.object({
            date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "YYYY-MM-DD"),
            time: z
              .string()
              .regex(/^([01]\d|2[0-3]):[0-5]\d$/, "HH:mm, 24-hour")
              .optional(),
          }),
          note: z.string().trim().max(2000).optional(),
          override: overrideField,
        }),
        response: { 200: workflowResultSchema, ...errors },
      },
    },
    async (req) => presentResult(await waitForPatient(db, { ...ctx(req), ...req.body, requestId: req.params.id })),
  );

  app.post(
    "/api/requests/:id/wait/end",
    {
      schema: {
        tags: ["Workflow"],
        operationId: "stopWaitingForPatient",
        summary: "Stop waiting for the patient now: the deadline runs again",
        params: idParams,
        body: z.object({ override: overrideField }).nullish(),
        response: { 200: workflowResultSchema, ...errors },
      },
    },
    async (req) =>
      presentResult(await stopWaiting(db, { ...ctx(req), override: req.body?.override, requestId: req.params.id })),
  );

  app.get(
    "/api/requests/:id/reply",
    {
      schema: {
        tags: ["Replies"],
        operationId: "getReply",
        summary: "The reply to the patient for this request's outcome, filled in, and how to send it",
        description:
          "For rebooked and cancelled outcomes the reply is offered once PKB shows the change (PKB confirmation); until then reason says why not. Audited (request.reply_prepared).",
        params: idParams,
        response: { 200: replySchema, 404: errorSchema },
      },
    },
    async (req) => {
      const actor = requireUser(req);
      await loadWithAccess(db, req.params.id, actor, "view", { lock: false });
      const source = await readReplySource(db, req.params.id);
      if (!source) throw notFound("Request");
      const availability = replyAvailability(source.outcome, source.pkbState);
      const body = source.outcome && availability.offered ? await replyTemplate(db, source.outcome) : null;
      const filled = body ? fillReply(body, source.facts) : null;
      await recordAudit(db, {
        actorUserId: actor.id,
        actorLabel: actor.displayName,
        action: "request.reply_prepared",
        requestId: req.params.id,
        details: { offered: filled !== null },
        ip: req.ip,
      });
      return {
        outcome: source.outcome,
        offered: filled !== null,
        reason: availability.offered
          ? filled
            ? null
            : "There is no reply template for this outcome: an admin can write one under Reply templates."
          : availability.reason,
        text: filled?.text ?? null,
        missing: filled?.missing ?? [],
        delivery: channel.delivery(source.conversationId),
        answered: source.answered,
      };
    },
  );

  app.post(
    "/api/requests/:id/patient-answered",
    {
      schema: {
        tags: ["Replies"],
        operationId: "recordPatientAnswered",
        summary: "Record that the patient was answered (who and when go in the history)",
        description: "409 no_outcome before an outcome is recorded. Recording it again changes nothing.",
        params: idParams,
        body: z.object({}).nullish(),
        response: { 200: workflowResultSchema, ...errors },
      },
    },
    async (req) =>
      presentResult(await recordPatientAnswered(db, { ...ctx(req), requestId: req.params.id, channel: channel.name })),
  );

  app.get(
    "/api/reply-templates",
    {
      schema: {
        tags: ["Replies"],
        operationId: "listReplyTemplates",
        summary: "The reply templates, one per outcome, and the placeholders they may use",
        response: {
          200: z.object({
            templates: z.array(templateSchema),
            placeholders: z.array(z.object({ name: z.string(), description: z.string() })),
          }),
        },
      },
    },
    async () => ({
      templates: await listReplyTemplates(db),
      placeholders: Object.entries(REPLY_PLACEHOLDERS).map(([name, description]) => ({ name, description })),
    }),
  );

  app.put(
    "/api/reply-templates/:outcome",
    {
      onRequest: adminOnly,
      schema: {
        tags: ["Replies"],
        operationId: "putReplyTemplate",
        summary: "Write the reply template for an outcome (admins; audited)",
        description: "400 invalid_template for an unknown {placeholder}, empty text or over 4,000 characters.",
        params: z.object({ outcome: z.enum(PERSON_OUTCOMES) }),
        body: z.object({ body: z.string().max(10_000) }),
        response: { 200: templateSchema, 400: errorSchema, 403: errorSchema },
      },
    },
    async (req) => {
      const actor = requireUser(req);
      const problems = templateProblems(req.body.body);
      if (problems.length > 0) throw new AppError("invalid_template", problems.join("; "), 400, true, { problems });
      return db.transaction(async (tx) => {
        const before = await saveReplyTemplate(tx, {
          outcome: req.params.outcome,
          body: req.body.body,
          userId: actor.id,
        });
        await recordAudit(tx, {
          actorUserId: actor.id,
          actorLabel: actor.displayName,
          action: "reply_template.changed",
          details: { outcome: req.params.outcome, before, after: req.body.body },
          ip: req.ip,
        });
        const saved = (await listReplyTemplates(tx)).find((t) => t.outcome === req.params.outcome)!;
        return saved;
      });
    },
  );
};
