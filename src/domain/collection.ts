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
  /** How the admins know: the re-authorisation banner on their every page, and the alert webhook. */
  adminsTold: { banner: boolean; alert: boolean };
}

const REASONS: Record<CollectionProblem["kind"], string> = {
  needs_reauthorisation: "PKB ended Rebook's access: an administrator must grant it again",
  polls_failing: "Rebook's calls to PKB keep failing",
  collection_stalled: "Rebook has not collected from PKB for longer than it should",
};

/**
 * The collection status from the connections' statuses and the problems found (at most one per connection).
 * `alerting` says whether an alert webhook is configured (it is told of re-authorisation).
 */
export function collectionStatus(p: {
  connections: readonly { status: string }[];
  problems: readonly CollectionProblem[];
  alerting: boolean;
}): CollectionStatus {
  const working = p.connections.filter((c) => c.status === "active" || c.status === "needs_reauth").length;
  if (p.problems.length === 0) {
    return {
      state: working > 0 ? "collecting" : "not_connected",
      partial: false,
      since: null,
      reasons: [],
      adminsTold: { banner: false, alert: false },
    };
  }
  const times = p.problems.flatMap((x) => (x.since ? [x.since.getTime()] : []));
  const banner = p.problems.some((x) => x.kind === "needs_reauthorisation");
  return {
    state: "stopped",
    partial: working > p.problems.length,
    since: times.length ? new Date(Math.min(...times)) : null,
    reasons: [...new Set(p.problems.map((x) => REASONS[x.kind]))],
    adminsTold: { banner, alert: banner && p.alerting },
  };
}
