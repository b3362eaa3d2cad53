// A patient's requests written in the order they came, whatever order their PKB calls finish in.
//
// The pipeline works many requests at once and writes their results in batches as they finish. Which of two requests
// about the same appointment is the open one and which its repeat depends on which is written first (a result written
// later attaches to the open request it finds; docs/settling.md), and within a batch the results are ordered by when
// they came. Across batches nothing ordered them: a patient's later request whose PKB calls finished first was opened,
// and the earlier one became its repeat (with its follow-ups moved to the later one). The bench's ground-truth check
// caught it at 2,000 requests, in about half the runs, once a poll's requests were all handed to the pool together.
//
// `PatientOrder` holds a result back while an earlier request of the same patient (by PKB patient id: the NHS number
// is only known once identified) is in flight in this process, until that one's work has ended (written, retried or
// failed). Earlier means received earlier, ties broken by id, as the batch write orders them. A request only ever
// waits for earlier ones, so waits cannot form a cycle; requests of other patients never wait.

interface Entry {
  at: number;
  id: string;
  ended: Promise<void>;
  end: () => void;
}

/** A request's place in its patient's order: `turn()` before writing its result, `leave()` once its work has ended. */
export interface PatientTurn {
  /** Resolves once every earlier request of the patient in flight here has ended. */
  turn(): Promise<void>;
  /** Its work has ended (result written, rescheduled or failed): later requests of the patient may go on. Idempotent. */
  leave(): void;
}

/** The requests in flight in one pipeline drain, by patient. */
export class PatientOrder {
  private readonly byPatient = new Map<string, Entry[]>();

  /** Registers a request now in flight: its patient's PKB id, when it came, its id. */
  enter(patient: string, receivedAt: Date, id: string): PatientTurn {
    let end!: () => void;
    const entry: Entry = { at: receivedAt.getTime(), id, ended: new Promise<void>((r) => (end = r)), end };
    const list = this.byPatient.get(patient) ?? [];
    list.push(entry);
    this.byPatient.set(patient, list);
    const earlier = (e: Entry): boolean => e.at < entry.at || (e.at === entry.at && e.id < entry.id);
    let left = false;
    return {
      turn: async () => {
        // Entries that come in meanwhile (an earlier request started later) are waited for too.
        for (;;) {
          const before = (this.byPatient.get(patient) ?? []).filter(earlier);
          if (before.length === 0) return;
          await Promise.all(before.map((e) => e.ended));
        }
      },
      leave: () => {
        if (left) return;
        left = true;
        const rest = (this.byPatient.get(patient) ?? []).filter((e) => e !== entry);
        if (rest.length > 0) this.byPatient.set(patient, rest);
        else this.byPatient.delete(patient);
        entry.end();
      },
    };
  }

  /** Requests in flight (for tests). */
  get size(): number {
    let n = 0;
    for (const list of this.byPatient.values()) n += list.length;
    return n;
  }
}
