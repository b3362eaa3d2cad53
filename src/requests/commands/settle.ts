// Writing what the settle rules decided (docs/settling.md) through a request's writer: closing a request PKB shows
// already done, setting or clearing the flag, storing the start PKB shows (saying it moved when nothing else does) and
// marking "appointment passed" (clearing the mark when PKB shows the appointment ahead or no longer booked, or
// correcting why, when PKB shows it moved across the request's receipt or a repeat moves the received time back), and
// clearing the flag and the mark as a person links the request to an appointment. Used by the settle processor's checks
// (src/requests/processors/settle.ts), by the pipeline as it links a request or folds a repeat into one
// (src/requests/commands/pipeline.ts), and by a person's manual match and re-match (src/requests/commands/match.ts).
// The decisions are the pure rules of src/domain/settle.ts.
import {
  movedText,
  passedClearedText,
  passedCorrectionText,
  passedText,
  relinkClearedText,
  type PassedCorrection,
  type SettleDecision,
} from "../../domain/settle.ts";
import { readSettleRow } from "../../store/settle.ts";
import type { RequestWriter } from "../command.ts";

/** Writes a decision through the writer (its caller made sure it still applies to the request as it is now). */
export async function applySettleDecision(w: RequestWriter, d: SettleDecision, now: Date): Promise<void> {
  if (d.close) {
    await w.update({
      outcome: "already_done_in_pkb",
      outcome_details: { shows: d.close.shows, auto: true },
      pkb_flag: null,
      pkb_flag_text: null,
      pkb_moved_to: null,
    });
    await w.event("pkb_already_done", { outcome: "already_done_in_pkb", shows: d.close.shows });
    await w.moveStatus("done", { outcome: "already_done_in_pkb" });
    return;
  }
  if (d.start) await w.update({ appointment_start: d.start });
  if (d.moved) {
    await w.event("appointment_moved", {
      from: d.moved.from.toISOString(),
      to: d.moved.to.toISOString(),
      shows: movedText(d.moved, now),
    });
  }
  if (d.flag === "clear") {
    await w.update({ pkb_flag: null, pkb_flag_text: null, pkb_moved_to: null });
    await w.event("pkb_flag_cleared", { shows: "PKB shows the appointment as the patient asked about it again" });
  } else if (d.flag) {
    await w.update({ pkb_flag: d.flag.kind, pkb_flag_text: d.flag.text, pkb_moved_to: d.flag.movedTo });
    await w.event("pkb_flagged", {
      flag: d.flag.kind,
      shows: d.flag.text,
      movedTo: d.flag.movedTo?.toISOString() ?? null,
    });
  }
  if (d.passed) {
    await w.update({ appointment_passed_at: now });
    await w.event("appointment_passed", {
      before: d.passed.before,
      start: d.passed.start.toISOString(),
      shows: passedText(d.passed, now),
    });
  }
  if (d.unpassed) {
    // The appointment is ahead, or no longer booked: deadline work again. The row that marked it stays as written.
    const u = d.unpassed;
    await w.update({ appointment_passed_at: null });
    await w.event("appointment_passed_cleared", {
      start: u.start?.toISOString() ?? null,
      ...("pkbShows" in u ? { pkbShows: u.pkbShows } : { movedFrom: u.movedFrom?.toISOString() ?? null }),
      shows: passedClearedText(u, now),
    });
  }
  if (d.passedCorrected) await correctPassedMark(w, d.passedCorrected, now);
}

/**
 * Writes that a "passed" mark's reason changed (passedOnceReceivedBack, or decideSettle when PKB shows the appointment
 * moved across the request's receipt): a new `appointment_passed` row saying what it is now and what it was corrected
 * from. The mark itself (appointment_passed_at, when it was made) stands, and the earlier row stays as written: history
 * is only added to.
 */
export async function correctPassedMark(w: RequestWriter, c: PassedCorrection, now: Date): Promise<void> {
  await w.event("appointment_passed", {
    before: c.before,
    correctedFrom: c.correctedFrom,
    start: c.start.toISOString(),
    receivedAt: c.receivedAt.toISOString(),
    ...(c.movedFrom ? { movedFrom: c.movedFrom.toISOString() } : {}),
    shows: passedCorrectionText(c, now),
  });
}

/**
 * Clears the flag and the "passed" mark as a person links the request (locked by the writer's command) to another
 * appointment, manually or by re-matching (`from` → `to`, FHIR ids; `to` null: left unlinked): what was flagged or
 * marked was about the appointment linked before. A history row for each that was set says why (`relinked`); nothing
 * is written when neither was. The settle processor reads the new link from PKB straight away (its reaction to the
 * link event), and flags or marks it again if PKB shows so. Linked to the same appointment again, nothing changed:
 * both stay, and that read clears either, with its own row, if PKB no longer shows what they say.
 */
export async function clearOnRelink(w: RequestWriter, link: { from: string | null; to: string | null }): Promise<void> {
  if (link.to !== null && link.to === link.from) return;
  const s = await readSettleRow(w.tx, w.request.id);
  if (!s) return;
  const data = { relinked: true, previousFhirId: link.from, fhirId: link.to };
  if (s.flag) {
    await w.update({ pkb_flag: null, pkb_flag_text: null, pkb_moved_to: null });
    await w.event("pkb_flag_cleared", { ...data, shows: relinkClearedText("flag", link) });
  }
  if (s.passed) {
    await w.update({ appointment_passed_at: null });
    await w.event("appointment_passed_cleared", { ...data, shows: relinkClearedText("passed", link) });
  }
}
