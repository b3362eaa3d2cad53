// Fixed reference data for the synthetic trust: organisation, specialties, clinics, appointment types and staff.
// Constant across seeds so configurations and tests can name them.

import type { SandboxStaff } from "../model.ts";

/** The PKB organisation the emulator plays (the seed's sandbox trust). */
export const ORGANISATION = {
  id: "3bd83e49-bc53-37d6-af7f-0398cf4689bc",
  name: "Mid Cheshire Hospitals NHS Foundation Trust",
  code: "RBT",
} as const;

/** A specialty: FHIR specialty coding plus the clinics it runs from and its own appointment types. */
export interface Specialty {
  code: string;
  display: string;
  locations: readonly string[];
  /** Specialty-specific appointment subjects (HL7 SCH-7.2), used alongside the common ones. */
  types: readonly string[];
}

/** Specialties (>= 12), each with realistic clinic locations. */
export const SPECIALTIES: readonly Specialty[] = [
  {
    code: "SPEC_01",
    display: "Cardiology",
    locations: ["Cardiology Outpatients, Leighton Hospital", "Outpatients Dept B, Leighton Hospital"],
    types: ["Echocardiogram", "ECG - 24 Hour Tape", "Heart Failure Clinic"],
  },
  {
    code: "SPEC_02",
    display: "Dermatology",
    locations: ["Dermatology Suite, Victoria Infirmary", "Outpatients Dept A, Leighton Hospital"],
    types: ["Skin Lesion Clinic - 2WW", "Phototherapy"],
  },
  {
    code: "SPEC_03",
    display: "Ophthalmology",
    locations: ["Eye Clinic, Victoria Infirmary", "Eye Clinic, Leighton Hospital"],
    types: ["Cataract Pre-assessment", "Eye Casualty - Emergency", "Glaucoma Review"],
  },
  {
    code: "SPEC_04",
    display: "Trauma & Orthopaedics",
    locations: ["Fracture Clinic, Leighton Hospital", "Orthopaedic Outpatients, Victoria Infirmary"],
    types: ["Fracture Clinic", "Hip & Knee - Post Op Review"],
  },
  {
    code: "SPEC_05",
    display: "ENT",
    locations: ["ENT Clinic, Leighton Hospital"],
    types: ["Audiology - Hearing Test", "Nasendoscopy"],
  },
  {
    code: "SPEC_06",
    display: "Gastroenterology",
    locations: ["Endoscopy Unit, Leighton Hospital", "Outpatients Dept B, Leighton Hospital"],
    types: ["Colonoscopy", "Gastroscopy (OGD)"],
  },
  {
    code: "SPEC_07",
    display: "Rheumatology",
    locations: ["Rheumatology Clinic, Victoria Infirmary"],
    types: ["Infusion - Day Unit", "Joint Injection"],
  },
  {
    code: "SPEC_08",
    display: "Urology",
    locations: ["Urology Investigations Unit, Leighton Hospital"],
    types: ["Flexible Cystoscopy", "PSA Review"],
  },
  {
    code: "SPEC_09",
    display: "Gynaecology",
    locations: ["Women's Health Unit, Leighton Hospital"],
    types: ["Colposcopy", "Early Pregnancy Unit - Scan"],
  },
  {
    code: "SPEC_10",
    display: "Paediatrics",
    locations: ["Children's Outpatients, Leighton Hospital"],
    types: ["Paediatric Asthma Clinic", "Growth Review"],
  },
  {
    code: "SPEC_11",
    display: "Respiratory Medicine",
    locations: ["Respiratory Clinic, Leighton Hospital", "Outpatients, Elmhurst Intermediate Care Centre"],
    types: ["Spirometry", "Sleep Study - Equipment Return"],
  },
  {
    code: "SPEC_12",
    display: "Neurology",
    locations: ["Outpatients Dept A, Leighton Hospital"],
    types: ["EEG", "Epilepsy Nurse Clinic"],
  },
  {
    code: "SPEC_13",
    display: "General Surgery",
    locations: ["Surgical Outpatients, Leighton Hospital", "Day Case Unit, Victoria Infirmary"],
    types: ["Day Surgery", "Breast Clinic - 2WW"],
  },
  {
    code: "SPEC_14",
    display: "Diabetes & Endocrinology",
    locations: ["Diabetes Centre, Leighton Hospital"],
    types: ["Diabetic Foot Clinic", "Insulin Pump Review"],
  },
  {
    code: "SPEC_15",
    display: "Emergency Medicine",
    locations: ["Same Day Emergency Care, Leighton Hospital", "Emergency Department, Leighton Hospital"],
    types: ["Emergency", "Ambulatory Care - Review"],
  },
];

const ADULT_F = SPECIALTIES.filter((s) => s.display !== "Paediatrics");
const ADULT_M = ADULT_F.filter((s) => s.display !== "Gynaecology");
const PAEDIATRICS = SPECIALTIES.filter((s) => s.display === "Paediatrics");
const CHILD_OTHER = SPECIALTIES.filter((s) =>
  ["Ophthalmology", "ENT", "Dermatology", "Trauma & Orthopaedics", "Emergency Medicine"].includes(s.display),
);
/** Children are seen mostly in Paediatrics (weight 6 of 11). */
const CHILD = [
  ...PAEDIATRICS,
  ...PAEDIATRICS,
  ...PAEDIATRICS,
  ...PAEDIATRICS,
  ...PAEDIATRICS,
  ...PAEDIATRICS,
  ...CHILD_OTHER,
];

/** Specialties a patient may be seen in: children mostly Paediatrics; adults never; Gynaecology for women only. */
export function specialtiesFor(gender: "M" | "F", child: boolean): readonly Specialty[] {
  if (child) return CHILD;
  return gender === "F" ? ADULT_F : ADULT_M;
}

/** Common appointment subjects with weights; `{specialty}` is replaced by the specialty's display. */
export const COMMON_TYPES: readonly (readonly [string, number])[] = [
  ["Appointment", 22],
  ["Follow Up", 18],
  ["New Patient - {specialty}", 14],
  ["Review - {specialty}", 5],
  ["Pre-op Assessment", 5],
  ["Telephone Consultation", 6],
  ["Video Consultation", 2],
  ["Follow Up - 6 Months", 3],
  ["Results Review", 3],
  ["Emergency", 3],
];

/** HL7 SCH-8 service types (null is also used). */
export const SERVICE_TYPES: readonly string[] = ["Outpatient", "Consultant Led", "Nurse Led", "Diagnostics"];

/** NTE-3 descriptions (null is used most of the time). */
export const COMMENTS: readonly string[] = [
  "Please bring a list of your current medications.",
  "Please arrive 15 minutes early to complete a questionnaire.",
  "Nil by mouth from midnight.",
  "Please bring your glasses and any eye drops you use.",
  "You may be in the department for up to 3 hours.",
  "Interpreter booked (Polish).",
  "Wheelchair access required.",
];

/** Name of the team nominated to receive appointment requests. */
export const APPOINTMENT_TEAM = "Appointment Management Team";

type StaffSeed = Omit<SandboxStaff, "email" | "username" | "receivesAppointmentRequests">;

const STAFF_SEEDS: readonly StaffSeed[] = [
  {
    pkbId: "14795070",
    title: "",
    firstName: "Jack",
    lastName: "Brown",
    teamName: APPOINTMENT_TEAM,
    jobTitle: "Doctor",
  },
  {
    pkbId: "14795112",
    title: "",
    firstName: "Amelia",
    lastName: "Khan",
    teamName: APPOINTMENT_TEAM,
    jobTitle: "Appointments Coordinator",
  },
  {
    pkbId: "15002318",
    title: "Dr",
    firstName: "Sarah",
    lastName: "Mitchell",
    teamName: "Cardiology Team",
    jobTitle: "Consultant Cardiologist",
  },
  {
    pkbId: "15002340",
    title: "Dr",
    firstName: "Rajesh",
    lastName: "Patel",
    teamName: "Dermatology Team",
    jobTitle: "Consultant Dermatologist",
  },
  {
    pkbId: "15002377",
    title: "Mr",
    firstName: "Thomas",
    lastName: "Wright",
    teamName: "Trauma & Orthopaedics Team",
    jobTitle: "Consultant Orthopaedic Surgeon",
  },
  {
    pkbId: "15002391",
    title: "",
    firstName: "Emily",
    lastName: "Clarke",
    teamName: "Ophthalmology Team",
    jobTitle: "Ophthalmic Nurse Specialist",
  },
  {
    pkbId: "15002425",
    title: "Dr",
    firstName: "Fiona",
    lastName: "Campbell",
    teamName: "Respiratory Team",
    jobTitle: "Consultant Respiratory Physician",
  },
  {
    pkbId: "15002460",
    title: "",
    firstName: "Laura",
    lastName: "Evans",
    teamName: "Outpatients Administration",
    jobTitle: "Team Coordinator",
  },
  {
    pkbId: "15002488",
    title: "",
    firstName: "Daniel",
    lastName: "Roberts",
    teamName: "Pharmacy",
    jobTitle: "Pharmacist",
  },
  {
    pkbId: "15002503",
    title: "",
    firstName: "Hannah",
    lastName: "Lewis",
    teamName: "Pathology Results Team",
    jobTitle: "Results Coordinator",
  },
  {
    pkbId: "15002537",
    title: "Dr",
    firstName: "Oluwaseun",
    lastName: "Adeyemi",
    teamName: "Paediatrics Team",
    jobTitle: "Consultant Paediatrician",
  },
  {
    pkbId: "15002559",
    title: "",
    firstName: "Megan",
    lastName: "O'Connor",
    teamName: "Gastroenterology Team",
    jobTitle: "Specialist Nurse",
  },
];

/** Sign-in name "first.last", lowercase ASCII letters only ("O'Connor" → "oconnor"). */
function usernameOf(firstName: string, lastName: string): string {
  const clean = (s: string): string => s.toLowerCase().replace(/[^a-z]/g, "");
  return `${clean(firstName)}.${clean(lastName)}`;
}

/** The trust's PKB staff users; the first is Jack Brown (Doctor, Appointment Management Team) as in the seed. */
export function buildStaff(): SandboxStaff[] {
  return STAFF_SEEDS.map((s) => {
    const username = usernameOf(s.firstName, s.lastName);
    return {
      ...s,
      email: `${username}@pkbtest.com`,
      username,
      receivesAppointmentRequests: s.teamName === APPOINTMENT_TEAM,
    };
  });
}
