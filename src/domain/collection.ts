// Whether new requests are arriving from PKB, in words everyone may read (no connection names, no patient data). Pure:
// the connections' states and the problems found are passed in. Problems use the kinds of the sync's health check
// (needs_reauthorisation, polls_failing, collection_stalled), so a new source of problems only adds entries.

/** Something that stops requests arriving through one connection, and since when. */
export interface CollectionProblem {
  kind: "needs_reauthorisation" | "polls_failing" | "collection_stalled";
  since: Date | null;
}

/** What every signed-in person is told about collection. */
export interface CollectionStatus {
  /** collecting: every granted connection works; stopped: at least one does not; not_connected: none granted yet. */
  state: "collecting" | "stopped" | "not_connected";
  /** True when another connection still collects (some requests arrive, not all). */
  partial: boolean;
  /** The earliest time a problem began, when known. */
  since: Date | null;
  /** Why, in words, one per kind of problem. */
  reasons: string[];
  /** The kinds of problem found, once each (so pages can tell re-authorisation from the rest). */
  kinds: CollectionProblem["kind"][];
  /** How the admins know: a banner on their every page (re-authorise, or this one), and the alert webhook. */
  adminsTold: { banner: boolean; alert: boolean };
  /** PKB messages set aside in the error queue, waiting for an admin (other requests still arrive). */
  setAside: { messages: number; since: Date | null };
}

const REASONS: Record<CollectionProblem["kind"], string> = {
  needs_reauthorisation: "PKB ended Rebook's access: an administrator must grant it again",
  polls_failing: "Rebook's calls to PKB keep failing",
  collection_stalled: "Rebook has not collected from PKB for longer than it should",
};

/** The kinds the alert webhook is told of (an incident each: src/store/incidents.ts). */
const ALERTED: ReadonlySet<CollectionProblem["kind"]> = new Set(["needs_reauthorisation", "polls_failing"]);

/**
 * The collection status from the connections' statuses and the problems found (at most one per connection), and the
 * messages set aside in the error queue. `alerting` says whether an alert webhook is configured (it is told of
 * re-authorisation and of failing polls). Admins see every problem on every page (the re-authorise banner, or the
 * collection banner), so `adminsTold.banner` holds whenever collection has stopped.
 */
export function collectionStatus(p: {
  connections: readonly { status: string }[];
  problems: readonly CollectionProblem[];
  alerting: boolean;
  setAside?: { messages: number; since: Date | null };
}): CollectionStatus {
  const working = p.connections.filter((c) => c.status === "active" || c.status === "needs_reauth").length;
  const setAside = p.setAside ?? { messages: 0, since: null };
  if (p.problems.length === 0) {
    return {
      state: working > 0 ? "collecting" : "not_connected",
      partial: false,
      since: null,
      reasons: [],
      kinds: [],
      adminsTold: { banner: false, alert: false },
      setAside,
    };
  }
  const times = p.problems.flatMap((x) => (x.since ? [x.since.getTime()] : []));
  return {
    state: "stopped",
    partial: working > p.problems.length,
    since: times.length ? new Date(Math.min(...times)) : null,
    reasons: [...new Set(p.problems.map((x) => REASONS[x.kind]))],
    kinds: [...new Set(p.problems.map((x) => x.kind))],
    adminsTold: { banner: true, alert: p.alerting && p.problems.some((x) => ALERTED.has(x.kind)) },
    setAside,
  };
}
