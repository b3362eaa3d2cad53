// The worklist: search, filters, the table of requests with keyset pages, claim and bulk actions, live updates and
// keyboard triage. The whole view lives in the URL.
import type { RowSelectionState } from "@tanstack/react-table";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { Link, useLocation, useNavigate, useSearchParams } from "react-router";
import { ApiError, get } from "../api/client.ts";
import { useDirectory } from "../api/directory.ts";
import { useEvents } from "../api/events.tsx";
import type { RequestItem, RequestPage } from "../api/types.ts";
import { spokenNotice, warningsOf } from "../api/warnings.ts";
import { claim } from "../api/workflow.ts";
import { useMe } from "../auth/AuthContext.tsx";
import { canBulk, canWork } from "../auth/permissions.ts";
import { useAnnouncer } from "../components/Announcer.tsx";
import { ChangeNotice } from "../components/ChangeNotice.tsx";
import { Pagination } from "../components/Pagination.tsx";
import { ErrorSummary, Loading, useTitle } from "../components/ui.tsx";
import { plural } from "../format.ts";
import { BulkBar } from "./BulkBar.tsx";
import { useCollection } from "../layout/Collection.tsx";
import { Filters } from "./Filters.tsx";
import { RequestTable } from "./RequestTable.tsx";
import { useShortcuts } from "./shortcuts.ts";
import { ShortcutsDialog } from "./ShortcutsDialog.tsx";
import { LayoutToggles } from "./LayoutToggles.tsx";
import { Preview } from "./Preview.tsx";
import { usePrefs, useWide } from "./prefs.ts";
import { SavedViews } from "./SavedViews.tsx";
import { WorklistHeader } from "./WorklistHeader.tsx";
import {
  apiQuery,
  changeView,
  isFiltered,
  readView,
  searchProblem,
  statusInView,
  writeView,
  type WorklistView,
} from "./view.ts";

interface Loaded {
  query: string;
  items: RequestItem[];
  nextCursor: string | null;
  /** The total as shown: "4,944", or "more than 10,000" when the server stopped counting. */
  total: string;
}

/** A list's total in words ("1–50 of 4,944", "10,001–10,050 of more than 10,000"): the server stops counting at 10,000. */
const totalText = (p: RequestPage): string => `${p.totalCapped ? "more than " : ""}${p.total.toLocaleString("en-GB")}`;

const FRESH_MS = 60_000;

/** What the preview shows of a row that can change: a change reloads the preview. */
const rowKey = (r: RequestItem): string =>
  [r.status, r.assignedUserId, r.matchState, r.priority, r.teamId, r.deadline?.state, r.pkbConfirmation?.state].join(
    "|",
  );
/** The API refused the search itself: its problem, for the search field (never the validator's wording). */
const searchFieldError = (err: ApiError | null): string | null =>
  err?.status === 400 && err.problems.some((p) => p.path === "q" || p.path.endsWith(".q"))
    ? "Search could not be used: check what you typed"
    : null;

export function Worklist() {
  const me = useMe();
  const collection = useCollection();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const location = useLocation();
  const view = useMemo(() => readView(params), [params]);
  const query = apiQuery(view);
  const { announce } = useAnnouncer();
  const dir = useDirectory(me);
  const { subscribe, presence, live, epoch } = useEvents();
  const [page, setPage] = useState<Loaded | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(true);
  const [activeId, setActiveId] = useState<string | null>(null);
  // The keyboard cursor, also in a ref: shortcuts pressed in quick succession must see the latest row.
  const activeRef = useRef<string | null>(null);
  const setActive = useCallback((id: string | null) => {
    activeRef.current = id;
    setActiveId(id);
  }, []);
  const [selection, setSelection] = useState<RowSelectionState>({});
  const [fresh, setFresh] = useState<ReadonlySet<string>>(new Set());
  const [notice, setNotice] = useState<{
    ok: boolean;
    text: string;
    /** What the API warned about the change (a bulk action's: each after its patient). */
    warnings: string[];
    failed?: { id: string; message: string }[];
  } | null>(() => {
    // A message from the page that sent the person here (e.g. a request transferred out of their sight).
    const text = (location.state as { notice?: unknown } | null)?.notice;
    return typeof text === "string" ? { ok: true, text, warnings: warningsOf(location.state) } : null;
  });
  // Shown once: a reload or a return to this entry must not show it again.
  useEffect(() => {
    if ((location.state as { notice?: unknown } | null)?.notice !== undefined) {
      void navigate({ pathname: location.pathname, search: location.search }, { replace: true, state: null });
    }
  }, [location, navigate]);
  const [waiting, setWaiting] = useState<ReadonlySet<string>>(new Set());
  const [busyId, setBusyId] = useState<string | null>(null);
  const [showKeys, setShowKeys] = useState(false);
  const searchRef = useRef<HTMLInputElement>(null);
  const rowsRef = useRef<RequestItem[]>([]);
  rowsRef.current = page?.items ?? [];
  useTitle("Worklist");
  const [prefs, setPrefs] = usePrefs(me.id);
  const wide = useWide();
  // The preview pane needs room beside the list: offered at wide screens only.
  const previewOn = prefs.preview && wide;

  const go = useCallback(
    (v: WorklistView) => {
      const s = writeView(v).toString();
      void navigate({ pathname: "/requests", search: s ? `?${s}` : "" });
    },
    [navigate],
  );

  // A search the API would refuse is not sent: its field says what is wrong, and no rows of an earlier view stay.
  const badSearch = searchProblem(view);
  // Load the page for this view; a new view clears the selection.
  useEffect(() => {
    const ctl = new AbortController();
    setSelection({});
    setWaiting(new Set());
    if (badSearch) {
      setPage(null);
      setError(null);
      setLoading(false);
      return;
    }
    setLoading(true);
    get<RequestPage>(`/api/requests?${query}`, { signal: ctl.signal })
      .then((p) => {
        setPage({ query, items: p.items, nextCursor: p.nextCursor, total: totalText(p) });
        setError(null);
        setLoading(false);
        announce(
          p.items.length === 0
            ? "No requests match"
            : `${plural(p.items.length, "request")} shown of ${totalText(p)}${p.nextCursor ? ", more on the next page" : ""}`,
        );
      })
      .catch((err: unknown) => {
        if ((err as Error).name === "AbortError") return;
        setPage(null); // never rows of another view beneath an error
        setError(err instanceof ApiError ? err : new ApiError(0, "unknown", "The requests could not be loaded."));
        setLoading(false);
      });
    return () => ctl.abort();
  }, [query, announce, badSearch]);

  // Live updates: changed rows are refreshed in place; new requests appear at the top of the first page (newest first)
  // and are announced politely; elsewhere they are counted with a link to see them.
  const refreshTimer = useRef<number | undefined>(undefined);
  const newIds = useRef(new Set<string>());
  const refresh = useCallback(() => {
    window.clearTimeout(refreshTimer.current);
    refreshTimer.current = window.setTimeout(() => {
      get<RequestPage>(`/api/requests?${query}`)
        .then((p) => {
          const before = new Set(rowsRef.current.map((r) => r.id));
          const arrived = p.items.filter((r) => !before.has(r.id) && newIds.current.has(r.id));
          newIds.current.clear();
          setPage({ query, items: p.items, nextCursor: p.nextCursor, total: totalText(p) });
          if (arrived.length) {
            announce(`${plural(arrived.length, "new request")} in the worklist`);
            setFresh((f) => new Set([...f, ...arrived.map((r) => r.id)]));
            window.setTimeout(
              () => setFresh((f) => new Set([...f].filter((id) => !arrived.some((r) => r.id === id)))),
              FRESH_MS,
            );
          }
        })
        .catch(() => undefined);
    }, 400);
  }, [query, announce]);
  useEffect(() => () => window.clearTimeout(refreshTimer.current), []);

  // On the first page new arrivals slot in (and are announced); further on they are counted with a link to the top. A
  // request the user changed themselves (in another tab, say) is no arrival: the first page takes it in quietly.
  const firstPage = view.pages.length === 0;
  useEffect(
    () =>
      subscribe((e) => {
        if (rowsRef.current.some((r) => r.id === e.requestId)) {
          refresh();
        } else if (statusInView(view, e.status) && (e.type === "request.created" || e.status !== "processing")) {
          if (e.actorUserId === me.id) {
            if (firstPage) refresh();
          } else if (firstPage) {
            newIds.current.add(e.requestId);
            refresh();
          } else {
            setWaiting((w) => new Set([...w, e.requestId]));
          }
        }
      }),
    [subscribe, refresh, firstPage, view, me.id],
  );
  // The stream reopened: events may have been missed. Its first opening is not one (the page has just loaded what there
  // is): reloading then would load, and audit, every view twice.
  const firstEpoch = useRef(epoch);
  useEffect(() => {
    if (epoch !== firstEpoch.current && epoch > 1) refresh();
  }, [epoch, refresh]);

  const rows = page?.items ?? [];
  useEffect(() => {
    if (activeId && !rows.some((r) => r.id === activeId)) setActive(null);
    // With the preview pane the cursor starts on the first request, so the pane shows something straight away.
    else if (!activeId && previewOn && rows.length > 0) setActive(rows[0]!.id);
  }, [rows, activeId, setActive, previewOn]);

  const focusRow = (id: string) => {
    setActive(id);
    const link = document.querySelector<HTMLElement>(`tr[data-request-id="${CSS.escape(id)}"] [data-row-link]`);
    link?.focus();
    link?.closest("tr")?.scrollIntoView({ block: "nearest" });
  };
  useEffect(() => {
    const want = pendingFocus.current;
    if (!want?.armed) return;
    const target = rows.find((r) => r.id === want.id) ?? rows[Math.min(want.index, rows.length - 1)];
    pendingFocus.current = null;
    if (target) focusRow(target.id);
  }, [rows]); // focusRow reads only refs and the DOM
  const move = (delta: number) => {
    const list = rowsRef.current;
    if (list.length === 0) return;
    const i = list.findIndex((r) => r.id === activeRef.current);
    const next = i < 0 ? (delta > 0 ? 0 : list.length - 1) : Math.min(list.length - 1, Math.max(0, i + delta));
    focusRow(list[next]!.id);
  };
  const current = (): RequestItem | null => rowsRef.current.find((r) => r.id === activeRef.current) ?? null;
  const backTo = `/requests${location.search}`;
  const open = (r: RequestItem, extra = "") =>
    void navigate(`/requests/${r.id}${extra}`, { state: { backTo, queue: rowsRef.current.map((x) => x.id) } });

  // Where focus goes back to once the rows have reloaded after a claim (its Claim button is gone by then; with `c`, the
  // row may have left an "Open" view): the row's link, or the row now in its place.
  const pendingFocus = useRef<{ id: string; index: number; armed: boolean } | null>(null);
  const doClaim = useCallback(
    async (r: RequestItem) => {
      pendingFocus.current = { id: r.id, index: rowsRef.current.findIndex((x) => x.id === r.id), armed: false };
      setBusyId(r.id);
      try {
        const done = await claim(r.id);
        const who = r.patient.name ?? "the patient";
        const claimed = { text: `You have claimed the request from ${who}.`, warnings: warningsOf(done) };
        setNotice({ ok: true, ...claimed });
        announce(spokenNotice(claimed));
        if (pendingFocus.current) pendingFocus.current.armed = true; // the reloaded rows put focus back
        refresh();
      } catch (err) {
        pendingFocus.current = null;
        const text = err instanceof ApiError ? err.message : "The request could not be claimed.";
        setNotice({ ok: false, text, warnings: [] });
        announce(text, true);
      } finally {
        setBusyId(null);
      }
    },
    [announce, refresh],
  );

  useShortcuts({
    j: () => move(1),
    k: () => move(-1),
    // With the preview pane, the arrow keys move through the list too (without it they scroll the page as usual).
    ArrowDown: () => (previewOn ? move(1) : false),
    ArrowUp: () => (previewOn ? move(-1) : false),
    o: () => {
      const a = current();
      return a ? open(a) : false;
    },
    Enter: () => {
      const a = current();
      return a ? open(a) : false;
    },
    c: () => {
      const a = current();
      if (a && canWork(me, a.teamId) && !a.assignedUserId) void doClaim(a);
    },
    r: () => {
      const a = current();
      if (a && canWork(me, a.teamId)) open(a, "?action=outcome");
    },
    x: () => {
      const a = current();
      if (!a || !canBulk(me)) return;
      setSelection((sel) => {
        const next = { ...sel };
        if (next[a.id]) delete next[a.id];
        else next[a.id] = true;
        return next;
      });
    },
    "/": () => {
      searchRef.current?.focus();
      searchRef.current?.select();
    },
    "?": () => setShowKeys(true),
  });

  const selectedIds = Object.entries(selection)
    .filter(([, v]) => v)
    .map(([k]) => k);
  const visibleTeams = useMemo(
    () => (dir?.teams ?? []).filter((t) => me.role === "admin" || me.teamIds.includes(t.id)),
    [dir, me],
  );
  const specialties = useMemo(() => {
    const m = new Map<string, string | null>();
    for (const x of dir?.specialties ?? []) m.set(x.code, x.display);
    for (const r of rows)
      if (r.appointment?.specialtyCode) m.set(r.appointment.specialtyCode, r.appointment.specialtyDisplay);
    if (view.specialty && !m.has(view.specialty)) m.set(view.specialty, null);
    return [...m]
      .map(([code, display]) => ({ code, display }))
      .sort((a, b) => (a.display ?? a.code).localeCompare(b.display ?? b.code));
  }, [dir, rows, view.specialty]);

  const queue = useMemo(() => rows.map((r) => r.id), [rows]);
  const ctx = useMemo(
    () => ({
      me,
      names: dir?.names ?? new Map<string, string>(),
      presence,
      fresh,
      busyId,
      backTo,
      queue,
      sort: view.sort,
      onSort: (sort: WorklistView["sort"]) => go(changeView(view, { sort })),
      onClaim: (r: RequestItem) => void doClaim(r),
    }),
    [me, dir, presence, fresh, busyId, backTo, queue, view, go, doClaim],
  );

  const pageNo = view.pages.length + 1;
  const first = view.pages.length * view.per + 1;
  const activeItem = rows.find((r) => r.id === activeId) ?? null;
  const pageLink = (pages: string[]) => {
    const s = writeView({ ...view, pages }).toString();
    return `/requests${s ? `?${s}` : ""}`;
  };

  return (
    <div className="app-worklist-page">
      {/* At the top of the page, above the search it links to (the design system's place for an error summary). */}
      {badSearch ? (
        <ErrorSummary problems={[{ text: badSearch, href: "#worklist-search" }]} />
      ) : error && searchFieldError(error) ? (
        <ErrorSummary problems={[{ text: searchFieldError(error)!, href: "#worklist-search" }]} />
      ) : error ? (
        <ErrorSummary problems={[{ text: error.message }]} title="The requests could not be loaded" />
      ) : null}
      <WorklistHeader live={live} onShowKeys={() => setShowKeys(true)} />
      <Filters
        view={view}
        onChange={go}
        teams={visibleTeams}
        specialties={specialties}
        searchRef={searchRef}
        showUnrouted={me.role === "admin"}
        open={prefs.filtersOpen}
        onToggle={(filtersOpen) => setPrefs({ filtersOpen })}
        searchError={badSearch ?? searchFieldError(error)}
      />
      {notice ? (
        <ChangeNotice notice={notice} ok={notice.ok}>
          {notice.failed?.length ? (
            <ul className="nhsuk-list nhsuk-list--bullet nhsuk-u-margin-bottom-0">
              {notice.failed.map((f) => (
                <li key={f.id}>{f.message}</li>
              ))}
            </ul>
          ) : null}
        </ChangeNotice>
      ) : null}
      {waiting.size > 0 ? (
        <p className="nhsuk-body app-notice" role="status">
          {plural(waiting.size, "request")} changed or arrived since this page loaded.{" "}
          <a
            href="/requests"
            onClick={(e) => {
              e.preventDefault();
              go({ ...view, pages: [] });
            }}
          >
            Go to the first page
          </a>
        </p>
      ) : null}
      {canBulk(me) && selectedIds.length > 0 ? (
        <BulkBar
          rows={rows.filter((r) => selection[r.id])}
          teams={dir?.teams ?? []}
          names={dir?.names ?? new Map<string, string>()}
          onClear={() => setSelection({})}
          onDone={(text, failed, warnings) => {
            setNotice({ ok: failed.length === 0, text, failed, warnings });
            announce(spokenNotice({ text, warnings }));
            setSelection({});
            refresh();
          }}
        />
      ) : null}
      {page === null && loading ? <Loading what="Loading requests" /> : null}
      {page !== null ? (
        <div className="app-result-bar">
          {/* An empty list has no count: the message in its place ("No requests match") says it. */}
          {rows.length ? (
            <p className="nhsuk-body-s app-result-count" data-testid="result-count">
              <span className="nhsuk-u-visually-hidden">Showing requests </span>
              {`${first}–${first + rows.length - 1} of ${page.total}`}
            </p>
          ) : null}
          {/* The layout switches sit on the bar's first line, above the form to save a view: before it in the page. */}
          <SavedViews
            view={view}
            me={me}
            teams={visibleTeams}
            onOpen={go}
            beforeForm={rows.length ? <LayoutToggles prefs={prefs} onChange={setPrefs} previewOffered={wide} /> : null}
          />
        </div>
      ) : null}
      {page !== null ? (
        rows.length === 0 ? (
          <div className="app-empty" data-testid="worklist-empty">
            <h2 className="nhsuk-heading-s">No requests {isFiltered(view) ? "match" : "yet"}</h2>
            <p className="nhsuk-body">
              {isFiltered(view)
                ? "Try another search or fewer filters."
                : "Requests appear here as patients ask to change or cancel appointments in PKB."}
            </p>
            {!isFiltered(view) && me.role === "admin" && collection?.state !== "collecting" ? (
              <p className="nhsuk-body" data-testid="first-run">
                {collection?.state === "stopped"
                  ? "Collection from PKB has stopped. "
                  : "Rebook is not connected to PKB yet. "}
                <Link to="/admin/connections">Go to PKB connections</Link> to grant access, and requests will start to
                arrive within a minute.
              </p>
            ) : null}
          </div>
        ) : (
          <>
            <div className={previewOn ? "app-split" : undefined}>
              <div
                className={previewOn ? "app-split__list" : undefined}
                onFocus={(e) => {
                  const id = (e.target as HTMLElement).closest("tr")?.getAttribute("data-request-id");
                  if (id) setActive(id);
                }}
                onClick={(e) => {
                  // With the preview pane, a click on a row (not on its link, button or box) shows it beside.
                  const target = e.target as HTMLElement;
                  if (!previewOn || target.closest("a, button, input, label")) return;
                  const id = target.closest("tr")?.getAttribute("data-request-id");
                  if (id) setActive(id);
                }}
              >
                <RequestTable
                  rows={rows}
                  ctx={ctx}
                  selectable={canBulk(me)}
                  selection={selection}
                  onSelectionChange={setSelection}
                  activeId={activeId}
                  busy={loading}
                  caption={`Requests ${first} to ${first + rows.length - 1} of ${page.total}`}
                  compact={prefs.compact || previewOn}
                  narrow={previewOn}
                />
              </div>
              {previewOn ? (
                <Preview
                  item={activeItem}
                  me={me}
                  version={activeItem ? rowKey(activeItem) : ""}
                  busy={busyId === activeItem?.id}
                  linkState={{ backTo, queue }}
                  onClaim={(r) => void doClaim(r)}
                />
              ) : null}
            </div>
          </>
        )
      ) : null}
      <Pagination
        label="Worklist pages"
        previous={view.pages.length ? { to: pageLink(view.pages.slice(0, -1)), label: `Page ${pageNo - 1}` } : null}
        next={page?.nextCursor ? { to: pageLink([...view.pages, page.nextCursor]), label: `Page ${pageNo + 1}` } : null}
      />
      <ShortcutsDialog open={showKeys} onClose={() => setShowKeys(false)} />
    </div>
  );
}
