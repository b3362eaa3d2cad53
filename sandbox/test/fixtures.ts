// Small hand-made SandboxDataset fixtures. People, ids and the first conversation reproduce the seed's examples, so
// served payloads can be compared with the seed value for value. Each call builds fresh objects (the world mutates).

import type { SandboxAppointment, SandboxDataset, SandboxMessage, SandboxPatient, SandboxStaff } from "../src/model.ts";

/** Ids used across the tests. */
export const IDS = {
  org: "3bd83e49-bc53-37d6-af7f-0398cf4689bc",
  pat01: "3054563",
  paul: "3054600",
  noNhs: "3054700",
  many: "3054800",
  jack: "14795070",
  sarah: "15002318",
  seedAppointment: "2f6de2c8-43d6-3d30-9920-1cecc40e972f",
  bstAppointment: "a0000000-0000-4000-8000-000000000001",
  cancelledAppointment: "a0000000-0000-4000-8000-000000000002",
  futureAppointment: "a0000000-0000-4000-8000-000000000003",
  seedConversation: "85b45f24-c7e6-4c7a-b9a3-73f51dfd1932",
  otherConversation: "c0000000-0000-4000-8000-000000000009",
  seedMessage: "134796117",
} as const;

/** NHS numbers and public ids of fixture patients. */
export const PATIENTS = {
  pat01Nhs: "9136220604",
  paulNhs: "5137198994",
  manyNhs: "9990000018",
  paulPublicId: "6a1f3c1e-1111-4a4a-9b9b-000000000001",
} as const;

/** Number of appointments the "many" patient has (for paging). */
export const MANY_COUNT = 45;

function patient(over: Partial<SandboxPatient> & Pick<SandboxPatient, "pkbId">): SandboxPatient {
  return {
    publicId: `6a1f3c1e-0000-4a4a-9b9b-${over.pkbId.padStart(12, "0")}`,
    fhirPatientId: `beb67e3a-0000-3df9-a043-${over.pkbId.padStart(12, "0")}`,
    title: "Ms",
    firstName: "Test",
    lastName: `Patient${over.pkbId}`,
    dob: "1970-05-05",
    gender: "F",
    email: `patient${over.pkbId}@pkbtest.com`,
    phone: "01612345678",
    address1: "2 Test Road",
    address2: "",
    city: "Crewe",
    county: "Cheshire",
    postalCode: "CW1 4QJ",
    nhsNumber: null,
    ...over,
  };
}

function appointment(
  over: Partial<SandboxAppointment> & Pick<SandboxAppointment, "id" | "patientPkbId" | "start">,
): SandboxAppointment {
  return {
    legacyId: "134700000",
    commonId: "e22fe762-0000-4d61-9d45-6f03e766195a",
    externalId: `EXT-${over.id.slice(-4)}`,
    status: "booked",
    statusBeforePending: null,
    specialtyCode: "SPEC_03",
    specialtyDisplay: "SPEC_03",
    appointmentType: "Outpatient",
    serviceType: null,
    comment: null,
    end: null,
    locationDisplay: "Leighton Hospital",
    sourceOrgCode: IDS.org,
    sourceOrgDisplay: "Muse GP",
    versionId: 1,
    lastUpdated: "2025-08-13T11:34:51.467Z",
    recordedDate: "2025-01-30T15:16:55.000Z",
    ...over,
  };
}

const staff: SandboxStaff[] = [
  {
    pkbId: IDS.jack,
    title: "Dr",
    firstName: "Jack",
    lastName: "Brown",
    teamName: "Appointment Management Team",
    jobTitle: "Doctor",
    email: "jack.brown@pkbtest.com",
    username: "jack.brown",
    receivesAppointmentRequests: true,
  },
  {
    pkbId: IDS.sarah,
    title: "Mrs",
    firstName: "Sarah",
    lastName: "Mitchell",
    teamName: "Cardiology Team",
    jobTitle: "Nurse",
    email: "sarah.mitchell@pkbtest.com",
    username: "sarah.mitchell",
    receivesAppointmentRequests: false,
  },
];

/** The seed's message (conversation 85b45f24…), timestamp 1756815121459 = 2025-09-02T12:12:01.459Z. */
export const SEED_MESSAGE_TIMESTAMP = 1756815121459;

/** A fresh fixture world. Anchor 2025-09-20T00:00Z. */
export function makeDataset(): SandboxDataset {
  const patients: SandboxPatient[] = [
    patient({
      pkbId: IDS.pat01,
      title: "Mrs",
      firstName: "MCHFT",
      lastName: "Pat01",
      dob: "1980-01-01",
      gender: "F",
      email: "mchft_pa01@pkbtest.com",
      phone: "07403529478",
      address1: "1 Address Street",
      address2: "",
      city: "City",
      county: "Country",
      postalCode: "ST5 8ES",
      nhsNumber: PATIENTS.pat01Nhs,
    }),
    patient({
      pkbId: IDS.paul,
      publicId: PATIENTS.paulPublicId,
      fhirPatientId: "beb67e3a-234e-3df9-a043-48f4931fa565",
      title: "Mr",
      firstName: "Paul",
      lastName: "Peel",
      gender: "M",
      nhsNumber: PATIENTS.paulNhs,
    }),
    patient({ pkbId: IDS.noNhs, nhsNumber: null }),
    patient({ pkbId: IDS.many, nhsNumber: PATIENTS.manyNhs }),
  ];
  const appointments: SandboxAppointment[] = [
    appointment({
      id: IDS.seedAppointment,
      patientPkbId: IDS.paul,
      legacyId: "134707934",
      commonId: "e22fe762-f7a1-4d61-9d45-6f03e766195a",
      externalId: "112431409e",
      appointmentType: "What's the specialty say",
      start: "2025-10-25T13:30:00.000Z",
      locationDisplay: "The best GP in the UK",
      versionId: 8286325,
    }),
    // Sunday 14 September 2025 12:00am BST = 2025-09-13T23:00Z: the seed's request subject, a UTC-day trap.
    appointment({
      id: IDS.bstAppointment,
      patientPkbId: IDS.pat01,
      appointmentType: "Emergency",
      start: "2025-09-13T23:00:00.000Z",
      end: "2025-09-13T23:30:00.000Z",
      status: "pending",
      statusBeforePending: "booked",
      serviceType: "Urgent care",
      comment: "Bring your medication list",
    }),
    appointment({
      id: IDS.cancelledAppointment,
      patientPkbId: IDS.pat01,
      start: "2025-10-01T09:00:00.000Z",
      status: "cancelled",
    }),
    appointment({
      id: IDS.futureAppointment,
      patientPkbId: IDS.pat01,
      start: "2025-11-03T10:15:00.000Z",
      end: "2025-11-03T10:45:00.000Z",
    }),
  ];
  for (let i = 0; i < MANY_COUNT; i++) {
    const day = String(1 + (i % 28)).padStart(2, "0");
    const month = String(10 + Math.floor(i / 28)).padStart(2, "0");
    appointments.push(
      appointment({
        id: `b0000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
        patientPkbId: IDS.many,
        start: `2025-${month}-${day}T${String(8 + (i % 9)).padStart(2, "0")}:00:00.000Z`,
        status: i % 5 === 0 ? "pending" : "booked",
      }),
    );
  }
  const seedMessage: SandboxMessage = {
    id: IDS.seedMessage,
    conversationId: IDS.seedConversation,
    subject: "Request to change appointment: Sunday 14 September 2025 12:00am - Emergency",
    content:
      "i would like to change my appointment to another day please. Can you change it to 16th September 2025 if it is possible? ",
    timestamp: SEED_MESSAGE_TIMESTAMP,
    senderId: IDS.pat01,
    onBehalfOfId: null,
    htmlContent: false,
    recipientIds: [IDS.jack, IDS.pat01],
    patientId: IDS.pat01,
    messageStatus: "UNREAD",
  };
  const otherMessage: SandboxMessage = {
    id: "134796200",
    conversationId: IDS.otherConversation,
    subject: "Your test results",
    content: "Your results are normal.",
    timestamp: SEED_MESSAGE_TIMESTAMP + 86_400_000,
    senderId: IDS.sarah,
    onBehalfOfId: null,
    htmlContent: false,
    recipientIds: [IDS.paul],
    patientId: IDS.paul,
    messageStatus: "READ",
  };
  return {
    seed: 7,
    size: 1,
    anchor: "2025-09-20T00:00:00.000Z",
    organisation: { id: IDS.org, name: "Muse GP", code: "MUSE" },
    patients,
    staff: staff.map((s) => ({ ...s })),
    appointments,
    conversations: [
      { id: IDS.seedConversation, messageIds: [IDS.seedMessage], participantIds: [IDS.pat01, IDS.jack] },
      { id: IDS.otherConversation, messageIds: [otherMessage.id], participantIds: [IDS.sarah, IDS.paul] },
    ],
    messages: [seedMessage, otherMessage],
    groundTruth: [
      {
        messageId: IDS.seedMessage,
        kind: "change",
        patientPkbId: IDS.pat01,
        nhsNumber: PATIENTS.pat01Nhs,
        appointmentId: IDS.bstAppointment,
        externalId: "EXT-0001",
        requestMessageId: null,
        ambiguous: false,
      },
      {
        messageId: otherMessage.id,
        kind: "unrelated",
        patientPkbId: IDS.paul,
        nhsNumber: PATIENTS.paulNhs,
        appointmentId: null,
        externalId: null,
        requestMessageId: null,
        ambiguous: false,
      },
    ],
  };
}
