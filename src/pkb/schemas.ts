// PKB's response shapes, parsed with zod at the edge. Only what Rebook reads is required; everything else is kept
// (passthrough) so raw messages are stored exactly as received.
import { z } from "zod";

const idString = z.union([z.string(), z.number()]).transform(String);

/** One secure message (GET /json/messages/after/{date}). */
export const pkbMessageSchema = z.looseObject({
  id: idString,
  conversationId: z.string(),
  subject: z
    .string()
    .nullable()
    .transform((s) => s ?? ""),
  content: z
    .string()
    .nullable()
    .transform((s) => s ?? ""),
  timestamp: z.number(),
  senderId: idString.nullable().optional(),
  patientId: idString.nullable().optional(),
  recipientIds: z.array(idString).nullable().optional(),
  messageStatus: z.string().nullable().optional(),
});
export type PkbMessage = z.infer<typeof pkbMessageSchema>;

export const pkbParticipantSchema = z.looseObject({
  id: idString,
  firstName: z.string().nullable().optional(),
  lastName: z.string().nullable().optional(),
  title: z.string().nullable().optional(),
  teamName: z.string().nullable().optional(),
  jobTitle: z.string().nullable().optional(),
});
export type PkbParticipant = z.infer<typeof pkbParticipantSchema>;

export const pkbConversationSchema = z.looseObject({
  id: z.string(),
  messages: z
    .array(pkbMessageSchema)
    .nullable()
    .transform((m) => m ?? []),
  participants: z.array(pkbParticipantSchema).nullable().optional(),
});
export type PkbConversation = z.infer<typeof pkbConversationSchema>;

export const pkbConversationsSchema = z.array(pkbConversationSchema);

/** A conversation read leniently: its messages unread (each is then read on its own), unreadable participants none. */
export const pkbConversationEnvelopeSchema = z.looseObject({
  id: z.string(),
  messages: z
    .array(z.unknown())
    .nullable()
    .transform((m) => m ?? []),
  participants: z.array(pkbParticipantSchema).nullable().optional().catch(null),
});

/** A PKB user (GET /json/v1/users/{id}). */
export const pkbUserSchema = z.looseObject({
  id: idString,
  title: z.string().nullable().optional(),
  firstName: z.string().nullable().optional(),
  lastName: z.string().nullable().optional(),
  dob: z.string().nullable().optional(),
  gender: z.string().nullable().optional(),
  email: z.string().nullable().optional(),
  phone: z.string().nullable().optional(),
  nationalIds: z
    .array(z.looseObject({ value: z.string().nullable().optional(), name: z.string().nullable().optional() }))
    .nullable()
    .optional(),
  patient: z.boolean().nullable().optional(),
});
export type PkbUser = z.infer<typeof pkbUserSchema>;

/** OAuth 2.0 error body. */
export const oauthErrorSchema = z.looseObject({ error: z.string(), error_description: z.string().optional() });

/** FHIR OperationOutcome as PKB sends it, with its response codes in issue[].details.coding[].code. */
export const operationOutcomeSchema = z.looseObject({
  resourceType: z.literal("OperationOutcome"),
  issue: z.array(
    z.looseObject({
      severity: z.string().optional(),
      code: z.string().optional(),
      diagnostics: z.string().optional(),
      details: z
        .looseObject({
          coding: z.array(z.looseObject({ system: z.string().optional(), code: z.string().optional() })).optional(),
          text: z.string().optional(),
        })
        .optional(),
    }),
  ),
});

/** The FHIR Appointment fields Rebook uses. */
export const fhirAppointmentSchema = z.looseObject({
  resourceType: z.literal("Appointment"),
  id: z.string(),
  status: z.string(),
  start: z.string().optional(),
  end: z.string().optional(),
  comment: z.string().optional(),
  description: z.string().optional(),
  identifier: z.array(z.looseObject({ system: z.string().optional(), value: z.string().optional() })).optional(),
  specialty: z
    .array(
      z.looseObject({
        coding: z.array(z.looseObject({ code: z.string().optional(), display: z.string().optional() })).optional(),
      }),
    )
    .optional(),
  appointmentType: z
    .looseObject({
      coding: z.array(z.looseObject({ display: z.string().optional(), code: z.string().optional() })).optional(),
      text: z.string().optional(),
    })
    .optional(),
  participant: z
    .array(
      z.looseObject({
        actor: z
          .looseObject({
            reference: z.string().optional(),
            type: z.string().optional(),
            display: z.string().optional(),
          })
          .optional(),
        type: z.array(z.looseObject({ text: z.string().optional() })).optional(),
      }),
    )
    .optional(),
});
export type FhirAppointment = z.infer<typeof fhirAppointmentSchema>;

/** A FHIR searchset Bundle of Appointments (other resource types in it are ignored). */
export const fhirBundleSchema = z.looseObject({
  resourceType: z.literal("Bundle"),
  total: z.number().optional(),
  link: z.array(z.looseObject({ relation: z.string(), url: z.string() })).optional(),
  entry: z.array(z.looseObject({ resource: z.looseObject({ resourceType: z.string() }).optional() })).optional(),
});
