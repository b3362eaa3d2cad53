// Free text for synthetic messages: patients' notes on change/cancel requests, follow-ups, and unrelated
// conversations. Placeholders: {alt} an alternative date ("Tuesday 16th September"), {weekday}, {specialty}.

import { flatten, type Rng } from "./prng.ts";

/** Values substituted into templates. */
export interface NoteContext {
  alt: string;
  weekday: string;
  specialty: string;
}

const CHANGE_NOTES: readonly string[] = [
  "I'm away on holiday that week, could we move it to the following {weekday}?",
  "My daughter's wedding is that day, please could I have another date?",
  "i would like to change my appointment to another day please. Can you change it to {alt} if it is possible? ",
  "I work nights that week so a morning appointment is very difficult. Could I have an afternoon one instead?",
  "Can I have a later time please? I can't get there before 11 because of the school run.",
  "I have another hospital appointment at the same time at the Royal Stoke. Can we rearrange?",
  "My husband is having an operation that day and I need to look after him.",
  "No transport available that day. Is there anything on {alt}?",
  "I've started a new job and can't get the time off. Evenings or Saturdays would be better if you have them.",
  "Could this be changed to a telephone appointment instead? I'm struggling with my mobility at the moment.",
  "I will be abroad visiting family until the end of the month.",
  "Please can we make it after {alt}, I'm having surgery on my hand.",
  "Exams that week - could my son's appointment be moved to half term?",
  "Any chance of an earlier appointment? My symptoms are getting worse.",
  "I’m a carer for my mum and her respite has been cancelled that day.",
  "Can't make it, sorry. Any day next week except Wednesday.",
  "My car is in the garage and the bus doesn't run early enough. Any afternoon please.",
  "Please change to a video call if possible",
  "I need an interpreter (Polish) and would prefer a day when one is available.",
  "Can we do {weekday} instead?",
  "Funeral that day.",
  "Please could you call me on my mobile to rearrange. Thanks",
  "I have tested positive for COVID and have been told to stay at home.",
  "change pls",
  "I would like to change the appointment to {alt} or any day after that.\nMany thanks",
  "Holiday booked before this letter arrived - apologies. Could we move it by a week or two?",
  "Please can the appointment be at the Victoria Infirmary instead, it's much closer to home.",
  "I can't do mornings - I start work at 7am.",
  "The letter says {weekday} but I'm working, could we find another slot?",
  "Sorry, pressed the wrong button before. Request to cancel appointment: please ignore, I want to CHANGE it to {alt}.",
  "My son has his own appointment in {specialty} at the same time, could they be back to back?",
  "Is it possible to have it on the same day as my blood test? That's {alt}.",
  "We're moving house that week 🏠 - any other date is fine.",
  "Need to rearrange – childcare fell through. Tuesdays & Thursdays are best.",
  "Could I have a female clinician please, and a different day if that makes it easier.",
  "Mrs Jones' daughter here - mum is in hospital at the moment, can we move it to {alt}?",
  "I'm on jury service from {alt} for two weeks.",
  "RE: letter dated last month. I can't attend due to work commitments, any date in the evening?",
];

const CANCEL_NOTES: readonly string[] = [
  "I no longer need this appointment as I'm feeling better",
  "My GP has sorted this out now so I don't need to come.",
  "I've moved out of the area.",
  "I have already been seen privately.",
  "I'm now being seen at another hospital.",
  "I had the procedure done elsewhere last month.",
  "Please cancel, I'm going to be in hospital for an operation",
  "The problem has resolved itself, thank you.",
  "Duplicate appointment - I already have one booked for the same thing.",
  "Cancel please",
  "I don't want to go ahead with the surgery at the moment.",
  "I'm pregnant and have been advised to wait until after the baby is born.",
  "Can't attend. Will contact my GP to be re-referred when I'm ready.",
  "My son is better now so we don't need this.",
  "No longer required, thank you.",
  "Going abroad for 6 months, will get back in touch when I return.",
  "I've been discharged by the consultant already, I think this was sent in error?",
  "I can't afford the parking and the bus takes 2 hours. Please cancel.",
  "Please cancel and send me a new appointment for {specialty} after {alt}.",
  "Sadly my husband, who this was for, has passed away. Please remove him from your list.",
  "Bereavement in the family. I will rebook when I can.",
  "I’d like to cancel – I’m having treatment in Wales now.",
];

const EMPTYISH_NOTES: readonly string[] = ["", " ", ".", "n/a", "-", "See subject", "x", "\n", "please"];

const FOLLOW_UP_PATIENT: readonly string[] = [
  "Any update on this?",
  "Hi, just checking you received my request?",
  "Please could someone get back to me about this, the appointment is getting close.",
  "I still haven't heard anything - is the new date confirmed?",
  "Sorry, I forgot to say I can do any afternoon.",
  "Has this been done? I don't want to be marked as did not attend.",
];

const FOLLOW_UP_STAFF: readonly string[] = [
  "We have received your request and will be in touch shortly.",
  "Thank you for your message. We have passed your request to the {specialty} booking team.",
  "We have received your request. A member of the team will telephone you within 5 working days.",
  "Thank you, this has been actioned. You will receive a letter confirming the details.",
];

/** The patient's note on a change or cancel request (about 6% empty or near-empty). */
export function requestNote(rng: Rng, kind: "change" | "cancel", ctx: NoteContext): string {
  if (rng.chance(0.06)) return rng.pick(EMPTYISH_NOTES);
  return fill(rng.pick(kind === "change" ? CHANGE_NOTES : CANCEL_NOTES), ctx);
}

/** The content of a follow-up in a request conversation, from the patient or from the appointment team. */
export function followUpNote(rng: Rng, fromPatient: boolean, ctx: NoteContext): string {
  return fill(rng.pick(fromPatient ? FOLLOW_UP_PATIENT : FOLLOW_UP_STAFF), ctx);
}

function fill(template: string, ctx: NoteContext): string {
  return flatten(
    template.replace("{alt}", ctx.alt).replace("{weekday}", ctx.weekday).replace("{specialty}", ctx.specialty),
  );
}

/** Who an unrelated conversation is between. */
export type UnrelatedRoute = "patient-to-clinician" | "patient-to-team" | "clinician-to-patient" | "staff-to-staff";

/** An unrelated conversation: subject, first message and an optional reply from the other side. */
export interface UnrelatedTemplate {
  route: UnrelatedRoute;
  subject: string;
  content: string;
  reply: string;
  /** True when the appointment team takes part (staff-to-staff: the recipient is the team). */
  toTeam: boolean;
}

/** Unrelated conversations, some deliberately close to appointment requests without being one. */
export const UNRELATED: readonly UnrelatedTemplate[] = [
  t(
    "patient-to-clinician",
    "Blood test results",
    "I had bloods taken last week. Are the results back yet?",
    "Your results are normal, no action needed.",
  ),
  t(
    "patient-to-clinician",
    "Question about my letter",
    "The clinic letter mentions a new tablet but my GP hasn't heard about it.",
    "We will send a copy of the letter to your GP today.",
  ),
  t(
    "patient-to-clinician",
    "Repeat prescription request",
    "Please could I have a repeat of my inhalers.",
    "This has been sent to your nominated pharmacy.",
  ),
  t(
    "patient-to-clinician",
    "Request to change my repeat prescription",
    "My GP has changed my dose to 20mg, can you update the hospital record?",
    "Thank you, updated.",
  ),
  t(
    "patient-to-clinician",
    "Side effects",
    "Since starting the new tablets I've had headaches most days.",
    "Please keep taking them for now; the team will call you tomorrow.",
  ),
  t(
    "patient-to-clinician",
    "Fit note",
    "Please could I have a fit note for work covering the last two weeks.",
    "Your fit note has been uploaded to your record.",
  ),
  t(
    "patient-to-clinician",
    "MRI results",
    "Have you had the report back from my scan?",
    "The report is back and will be discussed at your next appointment.",
  ),
  t(
    "patient-to-team",
    "Question about my appointment letter",
    "Do I need to bring anything with me to the appointment?",
    "Just a list of your current medicines, thank you.",
  ),
  t(
    "patient-to-team",
    "Change of address",
    "I've moved - my new address is 4 Orchard Way, Crewe, CW2 6PQ.",
    "Thank you, we have updated your details.",
  ),
  t(
    "patient-to-team",
    "Parking",
    "Is there disabled parking near Outpatients Dept B at Leighton Hospital?",
    "Yes, there are blue badge bays outside the main entrance.",
  ),
  t(
    "patient-to-team",
    "Appointment",
    "Can you confirm what time my appointment is please? I've lost the letter.",
    "The details are in the Appointments section of your PKB record.",
  ),
  t(
    "clinician-to-patient",
    "Your recent test results",
    "Your recent test results are now available in your record.",
    "Thank you doctor.",
  ),
  t(
    "clinician-to-patient",
    "Clinic letter",
    "Your clinic letter is now available in your record.",
    "Thanks, received.",
  ),
  t(
    "clinician-to-patient",
    "Questionnaire before your visit",
    "Please complete the attached questionnaire before your visit.",
    "Done, thanks.",
  ),
  t(
    "staff-to-staff",
    "Clinic list for Thursday",
    "Please can you review this patient's bloods before clinic.",
    "Reviewed - fine to proceed.",
  ),
  t(
    "staff-to-staff",
    "Patient query - please advise",
    "This patient has asked about transport to clinic. Who handles this?",
    "Patient transport service - I'll forward the number.",
  ),
  t(
    "staff-to-staff",
    "Referral - urgent review requested",
    "GP has asked for this patient to be seen sooner.",
    "Added to the urgent list.",
  ),
  t(
    "staff-to-staff",
    "Clinic cancelled - consultant on leave",
    "Please rebook this patient's clinic next month, consultant on leave.",
    "Will do.",
    true,
  ),
  t(
    "staff-to-staff",
    "Please book follow up in 6 weeks",
    "Please book a 6 week follow up for this patient.",
    "Booked and letter sent.",
    true,
  ),
];

function t(
  route: UnrelatedRoute,
  subject: string,
  content: string,
  reply: string,
  toTeam?: boolean,
): UnrelatedTemplate {
  return { route, subject, content, reply, toTeam: toTeam ?? route === "patient-to-team" };
}
