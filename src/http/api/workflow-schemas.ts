// Response shapes of the workflow routes, and the deadline and presence fields the worklist and request detail show.
import { z } from "zod";
import { describeDeadline, type DeadlineView } from "../../domain/deadline.ts";
import type { PresenceEntry } from "../../events/presence.ts";
import type { CommandResult } from "../../requests/command.ts";
import { MATCH_STATES, OUTCOMES, REQUEST_STATUSES, WORK_STATUSES } from "../../requests/vocabulary.ts";

/** A request's deadline: the instant, its state now, and words for it (the UI adds colour, never colour alone). */
export const deadlineSchema = z
  .object({
    at: z
      .date()
      .describe(
        "Earlier of received + the SLA (REQUEST_SLA_WORKING_HOURS of the team's working time, or REQUEST_SLA_HOURS for a team around the clock; paused while waiting for the patient) and linked appointment − APPOINTMENT_LEAD_HOURS",
      ),
    state: z
      .enum(["overdue", "due_soon", "on_track", "passed", "done", "waiting"])
      .describe(
        "passed: the appointment passed before anyone acted (not deadline work; docs/settling.md); waiting: the team waits for the patient, the deadline paused until the wait ends",
      ),
    text: z
      .string()
      .describe(
        '"Overdue by 3 hours", "Due in 5 hours", "Due Tue 2 Dec, 14:00" (UK time), "Appointment passed", "Done", "Waiting for patient until Tue 2 Dec, 09:00"',
      ),
    waitingUntil: z.date().nullable().optional().describe("Until when the team waits for the patient"),
  })
  .describe("When the request is due");

/** The deadline of a request at `now`. */
export const presentDeadline = (
  r: { deadlineAt: Date; status: string; appointmentPassedAt?: Date | null; waitingUntil?: Date | null },
  now: Date,
  dueSoonMs: number,
): DeadlineView & { waitingUntil: Date | null } => ({
  ...describeDeadline(r.deadlineAt, {
    closed: r.status === "done",
    now,
    dueSoonMs,
    passed: !!r.appointmentPassedAt,
    waitingUntil: r.waitingUntil,
  }),
  waitingUntil: r.waitingUntil ?? null,
});

/** Someone else looking at (viewing) or working on (editing) a request. */
export const presenceEntrySchema = z.object({
  userId: z.uuid(),
  displayName: z.string(),
  state: z.enum(["viewing", "editing"]),
  since: z.date(),
});
export type { PresenceEntry };

/** What an action answers: where the request stands now. */
export const workflowResultSchema = z.object({
  id: z.uuid(),
  status: z.enum(REQUEST_STATUSES),
  outcome: z.enum(OUTCOMES).nullable(),
  outcomeDetails: z.record(z.string(), z.unknown()).nullable(),
  teamId: z.uuid().nullable(),
  assignedUser: z.object({ id: z.uuid(), displayName: z.string() }).nullable(),
  matchState: z.enum(MATCH_STATES),
  changed: z.boolean().describe("False when the request already was as asked (nothing was written)"),
  warnings: z.array(z.string()),
});

/** The result without its internal event. */
export const presentResult = ({ event: _event, ...rest }: CommandResult): z.infer<typeof workflowResultSchema> => rest;

export const workStatusSchema = z.enum(WORK_STATUSES);

/** A reason or note a person gives: 1 to 2000 characters after trimming. */
export const reasonText = z.string().trim().min(1).max(2000);

const rebookedBody = z.object({
  outcome: z.literal("rebooked"),
  newStart: z
    .object({
      date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "YYYY-MM-DD"),
      time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "HH:mm, 24-hour"),
    })
    .describe("The new appointment on the UK wall clock (Europe/London, BST-aware)"),
  confirmPast: z
    .boolean()
    .optional()
    .describe("true: the new start is already past and that is meant (the change was made in the past)"),
});
const cancelledBody = z.object({ outcome: z.literal("cancelled") });
const rejectedBody = z.object({ outcome: z.literal("rejected"), reason: reasonText });
const contactBody = z.object({ outcome: z.literal("needs_patient_contact"), note: reasonText });

/** What became of a request, as the API takes it (newStart on the UK wall clock). */
export const outcomeBody = z.discriminatedUnion("outcome", [rebookedBody, cancelledBody, rejectedBody, contactBody]);

/** An outcome recorded on many requests at once: not a rebooking (each has its own new time). */
export const bulkOutcomeBody = z
  .discriminatedUnion("outcome", [cancelledBody, rejectedBody, contactBody])
  .describe("cancelled, rejected (reason) or needs_patient_contact (note): one outcome for every request");

/** `override`: go ahead although someone else holds the request (else 409 held_by_other, with the holder's name). */
export const overrideField = z
  .boolean()
  .optional()
  .describe("true: go ahead although someone else holds the request (else 409 held_by_other naming them)");
