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
// waits for earlier ones, so waits cannot form a cycle; requests of other patients never wait for each other's work.
//
// A request is registered as it starts (`arrive`), before it is read, and placed under its patient once read. Until
// then its patient is unknown, so the turn of every request that started after it, whoever its patient, waits for
// that read (a read, not PKB calls: reads never wait for turns, so this cannot deadlock either). Registered only after
// the read, a patient's later request whose read, PKB calls and turn all ended before the earlier one's read returned
// was written first (CI caught it once under load).
//
// What it orders: requests in flight together in one drain. A patient's earlier request that starts only after a
// later one has already been written (rescheduled and claimed again, or claimed by another instance) is not.

interface Entry {
  at: number;
  id: string;
  ended: Promise<void>;
  end: () => void;
}

/** A request started but not read yet: its patient is not known, so every request started after it waits. */
interface Unplaced {
  seq: number;
  placed: Promise<void>;
}

/** A request's place in its patient's order: `turn()` before writing its result, `leave()` once its work has ended. */
export interface PatientTurn {
  /**
   * Resolves once every earlier request of the patient in flight here has ended, and every request started before
   * this one has been read (any of them may be the patient's).
   */
  turn(): Promise<void>;
  /** Its work has ended (result written, rescheduled or failed): later requests of the patient may go on. Idempotent. */
  leave(): void;
}

/** A request started, before it is read: `place` it once its patient is known, or `skip` it (moot, no patient). */
export interface Arrival {
  /** Its patient, when it came, its id: its place in the order. Once only, and not after `skip`. */
  place(patient: string, receivedAt: Date, id: string): PatientTurn;
  /** It will write nothing in the order (not found, moot, or no patient). Idempotent, and a no-op once placed. */
  skip(): void;
}

/** The requests in flight in one pipeline drain, by patient. */
export class PatientOrder {
  private readonly byPatient = new Map<string, Entry[]>();
  private readonly unplaced = new Set<Unplaced>();
  private started = 0;

  /**
   * Registers a request as it starts, before it is read. Until it is placed (or skipped), the turns of requests that
   * started after it wait: it may be an earlier request of their patient whose read is slower than their whole work.
   */
  arrive(): Arrival {
    const seq = this.started++;
    let resolve!: () => void;
    const pending: Unplaced = { seq, placed: new Promise<void>((r) => (resolve = r)) };
    this.unplaced.add(pending);
    const settle = (): boolean => {
      if (!this.unplaced.delete(pending)) return false;
      resolve();
      return true;
    };
    return {
      place: (patient, receivedAt, id) => {
        // A second entry would never be left, and would hold the patient's later requests for good.
        if (!this.unplaced.has(pending)) throw new Error("this request was already placed or skipped");
        const turn = this.entry(seq, patient, receivedAt, id);
        settle();
        return turn;
      },
      skip: () => void settle(),
    };
  }

  /** Registers a request already read: its patient's PKB id, when it came, its id. */
  enter(patient: string, receivedAt: Date, id: string): PatientTurn {
    return this.arrive().place(patient, receivedAt, id);
  }

  private entry(seq: number, patient: string, receivedAt: Date, id: string): PatientTurn {
    let end!: () => void;
    const entry: Entry = { at: receivedAt.getTime(), id, ended: new Promise<void>((r) => (end = r)), end };
    const list = this.byPatient.get(patient) ?? [];
    list.push(entry);
    this.byPatient.set(patient, list);
    const earlier = (e: Entry): boolean => e.at < entry.at || (e.at === entry.at && e.id < entry.id);
    let left = false;
    return {
      turn: async () => {
        // Requests that started before this one and are still being read may be the patient's earlier ones. Only
        // earlier starts: a fixed set, so a steady flow of new requests cannot hold this one.
        await Promise.all([...this.unplaced].filter((u) => u.seq < seq).map((u) => u.placed));
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

  /** Requests in flight, read or not (for tests). */
  get size(): number {
    let n = this.unplaced.size;
    for (const list of this.byPatient.values()) n += list.length;
    return n;
  }
}
