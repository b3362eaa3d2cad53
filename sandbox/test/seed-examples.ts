// The JSON examples of the seed (shared/seed/appointment-management-using-apis.txt), verbatim: the contract the
// emulator's payloads are compared against. The messages example ends with "..." in the seed; only its first
// conversation is kept.

/** GET /json/messages/after/2018-01-17 (first conversation). */
export const SEED_MESSAGES_AFTER: unknown = [
  {
    id: "85b45f24-c7e6-4c7a-b9a3-73f51dfd1932",
    messages: [
      {
        id: "134796117",
        conversationId: "85b45f24-c7e6-4c7a-b9a3-73f51dfd1932",
        subject: "Request to change appointment: Sunday 14 September 2025 12:00am - Emergency",
        content:
          "i would like to change my appointment to another day please. Can you change it to 16th September 2025 if it is possible? ",
        attachmentCount: 0,
        attachments: null,
        timestamp: 1756815121459,
        senderId: "3054563",
        onBehalfOfId: null,
        htmlContent: false,
        recipientIds: ["14795070", "3054563"],
        patientId: "3054563",
        messageStatus: "UNREAD",
      },
    ],
    participants: [
      {
        id: "3054563",
        firstName: "MCHFT",
        lastName: "Pat01",
        title: "",
        teamName: "",
        jobTitle: "",
      },
      {
        id: "14795070",
        firstName: "Jack",
        lastName: "Brown",
        title: "",
        teamName: "Appointment Management Team",
        jobTitle: "Doctor",
      },
    ],
    latestMessageId: 134796117,
    messageCount: 1,
  },
];

/** GET /json/v1/users/3054563. */
export const SEED_USER: unknown = {
  id: "3054563",
  userType: null,
  heightCm: null,
  heightFeet: null,
  heightInches: null,
  heightInchesTotal: null,
  weightKg: null,
  weightLbs: null,
  title: "Mrs",
  firstName: "MCHFT",
  lastName: "Pat01",
  dob: "1980-01-01",
  dateDeceased: null,
  isDeceased: false,
  genderMF: "f",
  gender: "F",
  email: "mchft_pa01@pkbtest.com",
  phone: "07403529478",
  address1: "1 Address Street",
  address2: "",
  city: "City",
  state: "Country",
  postalCode: "ST5 8ES",
  country: "GB-ENG",
  jobTitle: null,
  organizationName: null,
  teamName: null,
  nationalIds: [
    {
      value: "9136220604",
      name: "NHS number",
      countryCodes: ["GB-ENG", "GB-WLS"],
    },
  ],
  orgLevelIds: null,
  teamLevelIds: null,
  contacts: [
    {
      id: "20769",
      contactType: "PHONE",
      contactValue: "07403529478",
      phoneUseType: "MOBILE_PHONE",
      primary: true,
      confirmed: false,
    },
    {
      id: "3054564",
      contactType: "EMAIL",
      contactValue: "mchft_pa01@pkbtest.com",
      phoneUseType: null,
      primary: true,
      confirmed: true,
    },
  ],
  patient: true,
};

/** GET /fhir/Appointment?actor:Patient.identifier=…|5137198994&date=2025-10-25. */
export const SEED_APPOINTMENT_BUNDLE: unknown = {
  resourceType: "Bundle",
  meta: {
    versionId: "0",
    lastUpdated: "2025-09-23T16:03:57.879+00:00",
  },
  type: "searchset",
  total: 1,
  link: [
    {
      relation: "first",
      url: "/fhir/Appointment?actor:Patient.identifier=https://fhir.nhs.uk/Id/nhs-number%7C5137198994&date=2025-10-25&page=1",
    },
    {
      relation: "self",
      url: "/fhir/Appointment?actor:Patient.identifier=https://fhir.nhs.uk/Id/nhs-number%7C5137198994&date=2025-10-25",
    },
  ],
  entry: [
    {
      link: [
        {
          relation: "self",
          url: "https://sandboxaggregated.fhir-api.sandbox.patientsknowbest.com/Appointment/2f6de2c8-43d6-3d30-9920-1cecc40e972f",
        },
      ],
      fullUrl:
        "https://sandboxaggregated.fhir-api.sandbox.patientsknowbest.com/Appointment/2f6de2c8-43d6-3d30-9920-1cecc40e972f",
      resource: {
        resourceType: "Appointment",
        id: "2f6de2c8-43d6-3d30-9920-1cecc40e972f",
        meta: {
          extension: [
            {
              url: "http://fhir.patientsknowbest.com/structuredefinition/uploaded-data-id",
              valueString: "14476030",
            },
            {
              url: "http://fhir.patientsknowbest.com/structuredefinition/recorded-date",
              valueDateTime: "2025-01-30T15:16:55.000+00:00",
            },
            {
              url: "http://fhir.patientsknowbest.com/structuredefinition/partner-identifier",
              valueReference: {
                identifier: {
                  system: "urn:uuid:cd97da65-0aa4-43a6-b695-cfd0c6f3267d",
                  value: "238bcad5-a4ce-49e0-a944-ebd58ea076da",
                },
              },
            },
            {
              url: "http://fhir.patientsknowbest.com/structuredefinition/version-persisted",
              valueDateTime: "2025-02-14T14:32:08.660+00:00",
            },
            {
              url: "http://fhir.patientsknowbest.com/structuredefinition/access-route",
              valueCoding: {
                system: "http://fhir.patientsknowbest.com/codesystem/access-route",
                code: "HL7_API",
                display: "Integration (HL7)",
              },
            },
            {
              url: "ex:createdAt",
              valueInstant: "2025-02-14T14:30:50.523820Z",
            },
          ],
          versionId: "8286325",
          lastUpdated: "2025-08-13T11:34:51.467777Z",
          security: [
            {
              system: "http://fhir.patientsknowbest.com/codesystem/source-organization",
              code: "3bd83e49-bc53-37d6-af7f-0398cf4689bc",
              display: "Muse GP",
            },
            {
              system: "http://fhir.patientsknowbest.com/codesystem/connecting-org",
              code: "3bd83e49-bc53-37d6-af7f-0398cf4689bc",
              display: "Muse GP",
            },
            {
              system: "http://fhir.patientsknowbest.com/codesystem/privacy-label",
              code: "GENERAL_HEALTH",
            },
          ],
        },
        extension: [
          {
            url: "http://fhir.patientsknowbest.com/structuredefinition/notification-control",
            extension: [
              {
                url: "http://fhir.patientsknowbest.com/structuredefinition/notification-suppressed",
                valueBoolean: true,
              },
              {
                url: "http://fhir.patientsknowbest.com/structuredefinition/notification-controlled-by",
                valueString: "OUR_CODE",
              },
              {
                url: "http://fhir.patientsknowbest.com/structuredefinition/notification-target-list",
                valueString: "[]",
              },
            ],
          },
          {
            url: "https://fhir.nhs.uk/StructureDefinition/Extension-Portal-Link",
            valueUrl:
              "https://sandbox.patientsknowbest.com/nhs-login/login?phrPath=%2Fdiary%2FviewAppointment.action%3FuniqueId%3D2f6de2c8-43d6-3d30-9920-1cecc40e972f%26style%3Dnhs-england",
          },
        ],
        identifier: [
          {
            system: "http://fhir.patientsknowbest.com/id/menudata-legacy-identifier",
            value: "134707934",
          },
          {
            system: "http://fhir.patientsknowbest.com/id/common-identifier",
            value: "e22fe762-f7a1-4d61-9d45-6f03e766195a",
          },
          {
            system: "http://fhir.patientsknowbest.com/id/external-identifier",
            value: "112431409e",
          },
        ],
        status: "booked",
        specialty: [
          {
            coding: [
              {
                code: "SPEC_03",
                display: "SPEC_03",
              },
            ],
          },
        ],
        appointmentType: {
          coding: [
            {
              display: "What's the specialty say",
            },
          ],
        },
        start: "2025-10-25T13:30:00.000+00:00",
        _end: {
          extension: [
            {
              url: "http://hl7.org/fhir/StructureDefinition/data-absent-reason",
              valueCode: "unknown",
            },
          ],
        },
        participant: [
          {
            actor: {
              reference: "Patient/beb67e3a-234e-3df9-a043-48f4931fa565",
              display: "Mr Paul Peel",
            },
            status: "accepted",
          },
          {
            actor: {
              type: "Location",
              display: "The best GP in the UK",
            },
            status: "accepted",
          },
        ],
      },
      search: {
        mode: "match",
      },
    },
  ],
};
