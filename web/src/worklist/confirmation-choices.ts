// The worklist's PKB confirmation filter: its choices and the API states each one asks for.

/** The worklist's confirmation filter: "" = any; values are the API's comma-separated states. */
export type ConfirmationChoice = "" | "not_confirmed" | "awaiting" | "unconfirmed" | "confirmed";

export const confirmationChoices: [ConfirmationChoice, string][] = [
  ["", "Any"],
  ["not_confirmed", "Not confirmed in PKB"],
  ["awaiting", "Awaiting PKB"],
  ["unconfirmed", "Awaiting or not confirmed"],
  ["confirmed", "Confirmed in PKB"],
];

/** The /api/requests `confirmation` value of a choice. */
export const confirmationValues: Record<Exclude<ConfirmationChoice, "">, string> = {
  not_confirmed: "not_confirmed",
  awaiting: "awaiting",
  unconfirmed: "awaiting,not_confirmed",
  confirmed: "confirmed",
};
