// One request in full: the patient's messages, the patient, the appointment and how it was matched, other candidates,
// the history, notes, and the actions (claim, assign, record an outcome, transfer). Sends presence while open, follows
// live updates, and opens the outcome form straight away when reached with ?action=outcome (the "r" shortcut) or when
// an unsaved outcome draft is waiting. Warns before leaving with unsaved typing, asks before changing a request
// someone else holds, and after an outcome "Save and next" opens the next request of the worklist view it came from.
// Each change is confirmed at the top of the page with what the API warned about it (read out too); after "Save and
// next" the confirmation and its warnings come along to the next request's page, naming the patient they are about.
import { useCallback, useEffect, useRef, useState } from "react";
import { Link, useLocation, useNavigate, useParams, useSearchParams } from "react-router";
import { ApiError, get, TAB_ID } from "../api/client.ts";
import { useDirectory } from "../api/directory.ts";
import { presenceText, useEvents } from "../api/events.tsx";
import { isThisTabsOwn, mayHaveBeenMade } from "../api/own-change.ts";
import type { RequestDetail } from "../api/types.ts";
import { carriedNotice, spokenNotice, type ChangeNotice as Notice } from "../api/warnings.ts";
import { leavePresence, sendPresence } from "../api/workflow.ts";
import { useMe } from "../auth/AuthContext.tsx";
import { canAssignOthers, canWork } from "../auth/permissions.ts";
import { useAnnouncer } from "../components/Announcer.tsx";
import { ChangeNotice } from "../components/ChangeNotice.tsx";
import { useHeldConfirm } from "../components/HeldConfirm.tsx";
import { useLeaveGuard } from "../components/LeaveGuard.tsx";
import { BackLink, Inset, Loading, PageHeading, SummaryList, useTitle } from "../components/ui.tsx";
import { dobText, nhsNumber, outcomeText, priorityText, typeText, ukDateTime } from "../format.ts";
import { ConfirmationTag } from "../worklist/confirmation.tsx";
import { DeadlineTag, StatusTag } from "../worklist/cues.tsx";
import { Actions } from "./Actions.tsx";
import { hasDraft } from "../components/drafts.ts";
import { History } from "./History.tsx";
import { Match } from "./Match.tsx";
import { noteIdsIn, Notes } from "./Notes.tsx";
import { OutcomeForm } from "./OutcomeForm.tsx";
import { ReplyPanel, WaitPanel } from "./PatientContact.tsx";
import { PkbConfirmationPanel } from "./PkbConfirmationPanel.tsx";
import { PatientBanner } from "./PatientBanner.tsx";
import { SettlePanel } from "./SettlePanel.tsx";
import { Thread } from "./Thread.tsx";

const HEARTBEAT_MS = 20_000;

function outcomeSummary(r: RequestDetail): string | null {
  if (!r.outcome) return null;
  const d = r.outcomeDetails ?? {};
  const extra =
    r.outcome === "rebooked"
      ? typeof d.newStartUk === "string"
        ? ` to ${d.newStartUk}`
        : typeof d.newStart === "string"
          ? ` to ${ukDateTime(d.newStart)}`
          : ""
      : r.outcome === "rejected" && typeof d.reason === "string"
        ? `: ${d.reason}`
        : r.outcome === "needs_patient_contact" && typeof d.note === "string"
          ? `: ${d.note}`
          : r.outcome === "already_done_in_pkb" && typeof d.shows === "string"
            ? `: ${d.shows}. Closed automatically by Rebook; reopen it if the patient still needs something.`
            : "";
  return `${outcomeText[r.outcome]}${extra}`;
}

export function RequestPage() {
  const { id = "" } = useParams();
  const me = useMe();
  const location = useLocation();
  const [params, setParams] = useSearchParams();
  const { announce } = useAnnouncer();
  const { subscribe, presence, epoch, setPresenceFor } = useEvents();
  const dir = useDirectory(me);
  const [request, setRequest] = useState<RequestDetail | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  // The last change's confirmation, shown only on the page of the request it was made on (`on`).
  const [notice, setNotice] = useState<(Notice & { on: string }) | null>(null);
  const [editingOutcome, setEditingOutcome] = useState(false);
  const [editingNote, setEditingNote] = useState(false);
  const [outcomeDirty, setOutcomeDirty] = useState(false);
  const navigate = useNavigate();
  const nav = location.state as { backTo?: string; queue?: string[] } | null;
  const backTo = nav?.backTo ?? "/requests";
  // The worklist view's requests in order, when opened from it: "Save and next" goes to the one after this.
  const queue = Array.isArray(nav?.queue) ? nav.queue : [];
  const nextId = queue.indexOf(id) >= 0 ? (queue[queue.indexOf(id) + 1] ?? null) : null;
  const showOutcome = params.get("action") === "outcome" || hasDraft(me.id, "outcome", id);
  // A confirmation brought from the request before ("Save and next"): shown and read out here, once (a reload or a
  // return to this entry does not bring it back).
  const carried = carriedNotice(location.state);
  useEffect(() => {
    if (!carried) return;
    setNotice({ ...carried, on: id });
    announce(spokenNotice(carried));
    void navigate(
      { pathname: location.pathname, search: location.search },
      { replace: true, state: { backTo, queue } },
    );
    // Once per navigation that brought one (its key); the rest is read from that navigation.
  }, [location.key]);
  const heldConfirm = useHeldConfirm();
  const leave = useLeaveGuard(outcomeDirty || editingNote, "an outcome or a note");
  useTitle(request ? `${request.patient.name ?? "Request"}` : "Request");

  // Loads can overlap (a write's answer, live events, the stream reopening) and their answers can come back in any
  // order: only the latest load's answer is shown, so an older one landing last never brings back an older state.
  const latestLoad = useRef(0);
  // `quiet`: a failure to load keeps what is shown (after a write that failed, whose error is shown already).
  const load = useCallback(
    (quiet = false) => {
      const n = ++latestLoad.current;
      return get<RequestDetail>(`/api/requests/${encodeURIComponent(id)}`)
        .then((r) => {
          if (n !== latestLoad.current) return;
          setRequest(r);
          setError(null);
        })
        .catch((err: unknown) => {
          if (n !== latestLoad.current || quiet) return;
          setError(err instanceof ApiError ? err : new ApiError(0, "unknown", "The request could not be loaded."));
        });
    },
    [id],
  );

  // Every write on this page goes through here: it asks first when someone else holds the request, and when a write
  // fails in a way that it may have been made all the same (no answer, or a 5xx, e.g. a proxy's time-out after Rebook
  // saved it), loads the request once: its live event is this tab's own and is not loaded for.
  const heldRun = heldConfirm.run;
  const write: typeof heldRun = useCallback(
    async (fn, opts) => {
      try {
        return await heldRun(fn, opts);
      } catch (err) {
        if (mayHaveBeenMade(err)) void load(true);
        throw err;
      }
    },
    [heldRun, load],
  );

  useEffect(() => {
    setRequest(null);
    void load();
  }, [load]);

  // Live: a change to it is reloaded, and read out unless the user made it. Their own change (here, where its
  // confirmation is said, or in another tab) is not news, however late its event comes. One made in another tab is
  // reloaded quietly; one made in this tab by this user is not reloaded again (every write's answer reloads it here,
  // and each load is a view in the audit log), whether its event comes before or after the answer. Someone else's
  // change is always reloaded, even if it names this tab. Or the stream reopened after missing events.
  useEffect(
    () =>
      subscribe((e) => {
        if (e.type !== "request.updated" || e.requestId !== id) return;
        if (isThisTabsOwn(e, TAB_ID, me.id)) return;
        const theirs = e.actorUserId !== me.id;
        void load().then(() => {
          if (theirs) announce("This request has just been updated");
        });
      }),
    [subscribe, id, load, announce, me.id],
  );
  const firstEpoch = useRef(epoch);
  useEffect(() => {
    if (epoch !== firstEpoch.current && epoch > 1) void load(); // a reopening, not the first opening
  }, [epoch, load]);

  // Presence: tell others we are here (and whether we are changing it) until we leave.
  const editing = editingOutcome || editingNote;
  const loaded = request !== null;
  const mayEdit = request !== null && canWork(me, request.teamId);
  useEffect(() => {
    if (!loaded) return;
    const state = editing && mayEdit ? "editing" : "viewing";
    const beat = () =>
      void sendPresence(id, state).then((r) => {
        if (r) setPresenceFor(id, r.presence);
      });
    beat();
    const t = window.setInterval(beat, HEARTBEAT_MS);
    return () => window.clearInterval(t);
  }, [id, editing, loaded, mayEdit, setPresenceFor]);
  useEffect(() => () => void leavePresence(id), [id]);
  useEffect(() => {
    if (request?.presence) setPresenceFor(id, request.presence);
  }, [request, id, setPresenceFor]);

  const changed = (message: string, warnings: string[] = []) => {
    const n = { text: message, warnings };
    setNotice({ ...n, on: id });
    announce(spokenNotice(n));
    void load();
  };

  const closeOutcome = () => {
    const next = new URLSearchParams(params);
    next.delete("action");
    setParams(next, { replace: true, state: location.state as unknown });
  };
  const openOutcome = () => {
    const next = new URLSearchParams(params);
    next.set("action", "outcome");
    setParams(next, { replace: true, state: location.state as unknown });
  };

  if (error) {
    const missing = error.status === 404;
    return (
      <>
        <BackLink to={backTo}>Back to the worklist</BackLink>
        <PageHeading>{missing ? "Request not found" : "The request could not be loaded"}</PageHeading>
        <p className="nhsuk-body" data-testid="request-error">
          {missing ? "There is no request at this address, or it belongs to a team you are not in." : error.message}
        </p>
        <p className="nhsuk-body">
          <Link to="/requests">Go to the worklist</Link>
        </p>
      </>
    );
  }
  if (!request) return <Loading what="Loading the request" />;

  const r = request;
  const work = canWork(me, r.teamId);
  const others = presenceText(presence.get(r.id));
  const outcome = outcomeSummary(r);
  const workable = r.status === "open" || r.status === "in_progress";
  const heldBy = r.assignment.user && r.assignment.user.id !== me.id ? r.assignment.user.displayName : null;

  return (
    <>
      {heldConfirm.dialog}
      {leave.dialog}
      <BackLink to={backTo}>Back to the worklist</BackLink>
      <PageHeading caption={`${r.type ? typeText[r.type] : "Unreadable"} request`}>
        <bdi>{r.patient.name ?? "Patient not identified"}</bdi>
      </PageHeading>
      <PatientBanner request={r} />
      {others ? (
        <div className="app-presence-banner" role="status" data-testid="presence-banner">
          <strong>{others.replace(/this$/, "this request")}.</strong> Check with them before you change it.
        </div>
      ) : null}
      {heldBy && workable && work ? (
        <div className="app-held-banner" data-testid="held-banner">
          <strong>{heldBy} is working on this request.</strong> Check with them before you change it: you will be asked
          to confirm first.
        </div>
      ) : null}
      {notice?.on === r.id ? <ChangeNotice notice={notice} /> : null}
      <ul className="app-tag-row" aria-label="Request summary">
        <li>
          <span className="nhsuk-u-visually-hidden">Status: </span>
          <StatusTag status={r.status} />
        </li>
        <li>
          <span className="nhsuk-u-visually-hidden">Deadline: </span>
          <DeadlineTag deadline={r.deadline} />
        </li>
        {r.pkbConfirmation && r.pkbConfirmation.state !== "not_needed" ? (
          <li>
            <span className="nhsuk-u-visually-hidden">PKB: </span>
            <ConfirmationTag confirmation={r.pkbConfirmation} />
          </li>
        ) : null}
        <li>Team: {r.routing.team?.name ?? "none"}</li>
        <li data-testid="assigned-to">
          Assigned to:{" "}
          {r.assignment.user ? (r.assignment.user.id === me.id ? "you" : r.assignment.user.displayName) : "nobody"}
        </li>
        {r.priority !== "normal" ? <li>Priority: {priorityText[r.priority]}</li> : null}
      </ul>
      <div className="app-request-layout">
        <section
          aria-labelledby="actions-heading"
          className="app-section app-sidebar-panel app-request-layout__actions"
          data-testid="actions-section"
        >
          <h2 className="nhsuk-heading-m" id="actions-heading">
            Actions
          </h2>
          <Actions
            request={r}
            me={me}
            dir={dir}
            held={write}
            onChanged={changed}
            onLeft={(message, warnings) => {
              announce(spokenNotice({ text: message, warnings }));
              void navigate(backTo, { state: { notice: message, warnings } });
            }}
            onRecordOutcome={openOutcome}
          />
        </section>
        <div className="app-request-layout__main">
          {showOutcome && work && workable ? (
            <OutcomeForm
              key={r.id}
              requestId={r.id}
              proposals={r.proposals}
              userId={me.id}
              held={write}
              mayOverride={canAssignOthers(me, r.teamId)}
              hasNext={nextId !== null}
              onEditing={setEditingOutcome}
              onDirty={setOutcomeDirty}
              onCancel={closeOutcome}
              onDone={(text, next, warnings) => {
                leave.release();
                if (next && nextId) {
                  // Said and shown on the next request's page (said here, the move to that page would cut it off).
                  const carry: Notice = { text, warnings, about: r.patient.name ?? "patient not identified" };
                  void navigate(`/requests/${nextId}`, { state: { backTo, queue, notice: carry } });
                  return;
                }
                closeOutcome();
                changed(text, warnings);
              }}
            />
          ) : null}
          {outcome ? (
            <Inset>
              <p data-testid="outcome">
                <strong>Outcome:</strong> {outcome}
              </p>
            </Inset>
          ) : null}
          <PkbConfirmationPanel confirmation={r.pkbConfirmation} />
          <SettlePanel request={r} />
          {r.outcome === "needs_patient_contact" && work && workable ? (
            <WaitPanel request={r} held={write} mayOverride={canAssignOthers(me, r.teamId)} onChanged={changed} />
          ) : null}
          <ReplyPanel request={r} canWork={work} held={write} onChanged={changed} />
          {r.status === "error" && r.errorReason ? (
            <Inset>
              <p>
                <strong>Rebook could not finish processing this request:</strong> {r.errorReason}
              </p>
            </Inset>
          ) : null}
          <Thread request={r} />
          <Match
            request={r}
            canWork={work}
            held={write}
            mayOverride={canAssignOthers(me, r.teamId)}
            onChanged={changed}
          />
          <History events={r.history} names={dir?.names ?? new Map<string, string>()} />
        </div>
        <div className="app-request-layout__side">
          <section aria-labelledby="patient-heading" className="app-section">
            <h2 className="nhsuk-heading-m" id="patient-heading">
              Patient
            </h2>
            {r.patient.state === "not_identified" ? (
              <p className="nhsuk-body">PKB has no valid NHS number for this patient.</p>
            ) : null}
            <SummaryList
              rows={[
                [
                  "Name",
                  [r.patient.title, r.patient.firstName, r.patient.lastName].filter(Boolean).join(" ") ||
                    r.patient.name,
                ],
                [
                  "NHS number",
                  r.patient.nhsNumber ? (
                    <span data-testid="nhs-number">{nhsNumber(r.patient.nhsNumber)}</span>
                  ) : (
                    "Not known"
                  ),
                ],
                ["Date of birth", dobText(r.patient.dob)],
                ["Email", r.patient.email],
                ["Phone", r.patient.phone],
                ["Sent to PKB team", r.pkbTeamName],
              ]}
            />
          </section>
          <Notes
            key={r.id}
            requestId={r.id}
            userId={me.id}
            held={write}
            canAdd={work}
            noteIds={noteIdsIn(r.history)}
            onEditing={setEditingNote}
            onAdded={(warnings) => {
              if (warnings.length) return changed("Note added.", warnings);
              announce("Note added");
              void load(); // its row in the history (the notes show it from the answer)
            }}
          />
        </div>
      </div>
    </>
  );
}
