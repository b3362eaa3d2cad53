// The worklist table (TanStack Table for the column model and row selection; the markup is the NHS table). One row per
// request: patient, request, appointment, priority, deadline, match, status and team, who has it, and the quick
// action. The priority and deadline headers sort the worklist (highest priority first, most urgent first).
import {
  rowSelectionFeature,
  tableFeatures,
  useTable,
  type ColumnDef,
  type RowSelectionState,
} from "@tanstack/react-table";
import { useMemo, type Dispatch, type SetStateAction } from "react";
import { Link } from "react-router";
import { presenceText, type Presence } from "../api/events.tsx";
import type { Me, RequestItem } from "../api/types.ts";
import { canWork } from "../auth/permissions.ts";
import { Tag } from "../components/ui.tsx";
import { age, nhsNumber, proposalSummary, ukShort } from "../format.ts";
import { ConfirmationTag } from "./confirmation.tsx";
import { SettleTags } from "./settle.tsx";
import { DeadlineTag, MatchTag, PriorityTag, StatusTag, TypeTag } from "./cues.tsx";
import type { SortChoice } from "./view.ts";

const features = tableFeatures({ rowSelectionFeature });

interface Ctx {
  me: Me;
  names: ReadonlyMap<string, string>;
  presence: ReadonlyMap<string, Presence[]>;
  fresh: ReadonlySet<string>;
  busyId: string | null;
  backTo: string;
  /** The ids of the rows in order, for "Save and next" on the request page. */
  queue: string[];
  sort: SortChoice;
  onSort: (sort: SortChoice) => void;
  onClaim: (r: RequestItem) => void;
}

/** The columns whose header sorts the worklist: the sort and how it orders (for aria-sort). */
const SORTS: Record<string, { sort: SortChoice; order: "ascending" | "descending"; text: string }> = {
  priority: { sort: "priority", order: "descending", text: "highest priority first" },
  deadline: { sort: "deadline", order: "ascending", text: "most urgent first" },
};

/** The sort icons, drawn (a "↕" character read as the digit 1): one arrow for the sort in force, two for the others. */
function SortIcon({ state }: { state: "ascending" | "descending" | "none" }) {
  return (
    <svg
      className="app-sort-button__icon"
      viewBox="0 0 12 16"
      width="12"
      height="16"
      aria-hidden="true"
      focusable="false"
    >
      {state !== "descending" ? <path d="M6 1 11 7H1Z" /> : null}
      {state !== "ascending" ? <path d="M6 15 1 9h10Z" /> : null}
    </svg>
  );
}

/**
 * A header that sorts by its column: a button saying what it does, or for the sort in force that it is sorted (a
 * screen reader on the button does not always read the header's aria-sort, set on the th below). No pressed state.
 */
function SortHeader({ ctx, column, label }: { ctx: Ctx; column: string; label: string }) {
  const s = SORTS[column]!;
  const active = ctx.sort === s.sort;
  return (
    <button
      type="button"
      className={`app-sort-button${active ? " app-sort-button--active" : ""}`}
      onClick={() => ctx.onSort(s.sort)}
    >
      {label}
      <span className="nhsuk-u-visually-hidden">{active ? `, sorted ${s.text}` : `: sort ${s.text}`}</span>
      <SortIcon state={active ? s.order : "none"} />
    </button>
  );
}

/** On a phone each row is a card: its cells say what they are (the table's header is not shown). */
const CARD_LABELS: Record<string, string | undefined> = {
  appointment: "Appointment",
  priority: "Priority",
  deadline: "Deadline",
  match: "Match",
  status: "Status",
  assigned: "Assigned to",
};

/**
 * Where a cell's lines run on in the phone layout's cards (their line breaks hidden there): " · " between the parts, so
 * "12:54" and "53 days ago" never read as "12:5453 days ago". Shown only in the cards; hidden from screen readers.
 */
const CardSeparator = () => (
  <span className="app-card-separator" aria-hidden="true">
    {" · "}
  </span>
);

const patientLabel = (r: RequestItem): string => r.patient.name ?? "Patient not identified";

function columns(ctx: Ctx, selectable: boolean): ColumnDef<typeof features, RequestItem>[] {
  const cols: ColumnDef<typeof features, RequestItem>[] = [];
  if (selectable) {
    cols.push({
      id: "select",
      header: ({ table }) => (
        <div className="nhsuk-checkboxes nhsuk-checkboxes--small app-checkbox-cell">
          <div className="nhsuk-checkboxes__item">
            <input
              className="nhsuk-checkboxes__input"
              type="checkbox"
              id="select-all"
              checked={table.getIsAllRowsSelected()}
              onChange={(e) => table.toggleAllRowsSelected(e.target.checked)}
            />
            <label className="nhsuk-label nhsuk-checkboxes__label" htmlFor="select-all">
              <span className="nhsuk-u-visually-hidden">Select every request on this page</span>
            </label>
          </div>
        </div>
      ),
      cell: ({ row }) => (
        <div className="nhsuk-checkboxes nhsuk-checkboxes--small app-checkbox-cell">
          <div className="nhsuk-checkboxes__item">
            <input
              className="nhsuk-checkboxes__input"
              type="checkbox"
              id={`select-${row.id}`}
              checked={row.getIsSelected()}
              disabled={!row.getCanSelect()}
              onChange={(e) => row.toggleSelected(e.target.checked)}
            />
            <label className="nhsuk-label nhsuk-checkboxes__label" htmlFor={`select-${row.id}`}>
              <span className="nhsuk-u-visually-hidden">Select request from {patientLabel(row.original)}</span>
            </label>
          </div>
        </div>
      ),
    });
  }
  cols.push(
    {
      id: "patient",
      header: "Patient",
      cell: ({ row: { original: r } }) => (
        <>
          <Link
            className="app-row-link"
            to={`/requests/${r.id}`}
            state={{ backTo: ctx.backTo, queue: ctx.queue }}
            data-row-link
          >
            <bdi>{patientLabel(r)}</bdi>
          </Link>
          {ctx.fresh.has(r.id) ? (
            <>
              {" "}
              <Tag colour="yellow">New</Tag>
            </>
          ) : null}
          <br />
          <span className="app-secondary">
            {r.patient.nhsNumber ? (
              <>
                <span className="nhsuk-u-visually-hidden">NHS number </span>
                {nhsNumber(r.patient.nhsNumber)}
              </>
            ) : (
              "No NHS number"
            )}
          </span>
        </>
      ),
    },
    {
      id: "request",
      header: "Request",
      cell: ({ row: { original: r } }) => {
        const suggests = proposalSummary(r.proposals);
        return (
          <>
            <TypeTag type={r.type} />
            <SettleTags r={r} />
            <br />
            <span className="app-secondary">
              <span className="app-received">
                <span className="nhsuk-u-visually-hidden">Received </span>
                {ukShort(r.receivedAt)}
                <br />
                <CardSeparator />
              </span>
              <span className="app-age">{age(r.receivedAt)}</span>
            </span>
            {suggests ? (
              <>
                <br />
                <span
                  className={suggests.passed ? "app-proposal app-proposal--passed" : "app-proposal"}
                  data-testid="row-proposal"
                >
                  {suggests.text}
                </span>
              </>
            ) : null}
          </>
        );
      },
    },
    {
      id: "appointment",
      header: "Appointment",
      cell: ({ row: { original: r } }) => {
        const a = r.appointment;
        if (!a) return <span className="app-muted">Not linked</span>;
        const specialty = a.specialtyDisplay ?? a.specialtyCode;
        return (
          <>
            {a.start ? ukShort(a.start) : "Time not known"}
            <br />
            <span className="app-secondary">
              {specialty ?? ""}
              {a.externalId ? (
                <>
                  <br />
                  {specialty ? <CardSeparator /> : null}
                  ID {a.externalId}
                </>
              ) : null}
            </span>
          </>
        );
      },
    },
    {
      id: "priority",
      header: () => <SortHeader ctx={ctx} column="priority" label="Priority" />,
      cell: ({ row: { original: r } }) => <PriorityTag priority={r.priority} />,
    },
    {
      id: "deadline",
      header: () => <SortHeader ctx={ctx} column="deadline" label="Deadline" />,
      cell: ({ row: { original: r } }) => <DeadlineTag deadline={r.deadline} />,
    },
    { id: "match", header: "Match", cell: ({ row: { original: r } }) => <MatchTag state={r.matchState} /> },
    {
      id: "status",
      header: "Status and team",
      cell: ({ row: { original: r } }) => (
        <>
          <StatusTag status={r.status} />
          {r.pkbConfirmation && r.pkbConfirmation.state !== "not_needed" ? (
            <>
              <br />
              <ConfirmationTag confirmation={r.pkbConfirmation} />
            </>
          ) : null}
          <br />
          <span className="app-secondary">{r.teamName ?? "No team"}</span>
        </>
      ),
    },
    {
      id: "assigned",
      header: "Assigned to",
      cell: ({ row: { original: r } }) => {
        const who = r.assignedUserId
          ? r.assignedUserId === ctx.me.id
            ? "You"
            : (r.assignedUser?.displayName ?? ctx.names.get(r.assignedUserId) ?? "Someone else")
          : null;
        const here = presenceText(ctx.presence.get(r.id));
        return (
          <>
            {who ?? <span className="app-muted">Unassigned</span>}
            {here ? (
              <>
                <br />
                <span className="app-presence" data-testid="presence">
                  <svg className="app-presence__icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
                    <path d="M12 5c5 0 9 4.5 10 7-1 2.5-5 7-10 7S3 14.5 2 12c1-2.5 5-7 10-7Zm0 3a4 4 0 1 0 0 8 4 4 0 0 0 0-8Z" />
                  </svg>
                  {here}
                </span>
              </>
            ) : null}
          </>
        );
      },
    },
    {
      id: "action",
      header: () => <span className="nhsuk-u-visually-hidden">Action</span>,
      cell: ({ row: { original: r } }) => {
        const workable = r.status === "open" || r.status === "in_progress";
        if (!workable || !canWork(ctx.me, r.teamId) || r.assignedUserId) return null;
        return (
          <button
            type="button"
            className="nhsuk-button nhsuk-button--secondary nhsuk-button--small nhsuk-u-margin-bottom-0"
            disabled={ctx.busyId === r.id}
            onClick={() => ctx.onClaim(r)}
          >
            Claim<span className="nhsuk-u-visually-hidden"> request from {patientLabel(r)}</span>
          </button>
        );
      },
    },
  );
  return cols;
}

export function RequestTable({
  rows,
  ctx,
  selectable,
  selection,
  onSelectionChange,
  activeId,
  busy,
  caption,
  compact = false,
  narrow = false,
}: {
  rows: RequestItem[];
  ctx: Ctx;
  selectable: boolean;
  selection: RowSelectionState;
  onSelectionChange: Dispatch<SetStateAction<RowSelectionState>>;
  activeId: string | null;
  busy: boolean;
  caption: string;
  /** One line per request. */
  compact?: boolean;
  /** Beside the preview pane: the columns the preview shows (appointment, match, status, who, Claim) are left out. */
  narrow?: boolean;
}) {
  const cols = useMemo(() => columns(ctx, selectable), [ctx, selectable]);
  const table = useTable({
    features,
    columns: cols,
    data: rows,
    getRowId: (r) => r.id,
    state: { rowSelection: selection },
    onRowSelectionChange: onSelectionChange,
    enableRowSelection: (row) => row.original.status !== "processing",
  });
  return (
    <div className="app-table-scroll app-worklist-scroll" role="region" aria-label="Requests" tabIndex={0}>
      <table
        className={`nhsuk-table app-worklist${compact ? " app-worklist--compact" : ""}${narrow ? " app-worklist--narrow" : ""}`}
        aria-busy={busy}
        data-testid="worklist-table"
      >
        <caption className="nhsuk-table__caption nhsuk-u-visually-hidden">{caption}</caption>
        <thead className="nhsuk-table__head">
          {table.getHeaderGroups().map((g) => (
            <tr className="nhsuk-table__row" key={g.id}>
              {g.headers.map((h) => (
                <th
                  className={`nhsuk-table__header app-col-${h.id}`}
                  scope="col"
                  key={h.id}
                  aria-sort={SORTS[h.id] && SORTS[h.id]!.sort === ctx.sort ? SORTS[h.id]!.order : undefined}
                >
                  {h.isPlaceholder ? null : <table.FlexRender header={h} />}
                </th>
              ))}
            </tr>
          ))}
        </thead>
        <tbody className="nhsuk-table__body">
          {table.getRowModel().rows.map((row) => (
            <tr
              key={row.id}
              className={`nhsuk-table__row${row.id === activeId ? " app-row--active" : ""}${row.getIsSelected() ? " app-row--selected" : ""}`}
              data-request-id={row.id}
              aria-current={row.id === activeId ? "true" : undefined}
            >
              {row.getAllCells().map((cell) => (
                <td
                  className={`nhsuk-table__cell app-col-${cell.column.id}`}
                  key={cell.id}
                  data-label={CARD_LABELS[cell.column.id]}
                >
                  <table.FlexRender cell={cell} />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
