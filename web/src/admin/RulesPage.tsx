// Routing rules: edit a draft (proper form controls, switch on and off, reorder with buttons), simulate it on past
// requests, then save it; export the saved rules as JSON, and import a file (simulate it first if you like).
import { useCallback, useEffect, useRef, useState } from "react";
import { ApiError, get, post } from "../api/client.ts";
import type { Rule, RuleChoices, Team } from "../api/types.ts";
import { useAnnouncer } from "../components/Announcer.tsx";
import { ErrorSummary, Inset, Loading, PageHeading, useTitle, Warning, type Problem } from "../components/ui.tsx";
import { plural } from "../format.ts";
import { RuleEditor } from "./RuleEditor.tsx";
import { isDirty, newKey, saveDraft, simulationRules, toDraft, type DraftRule } from "./rules.ts";
import { Simulator } from "./Simulator.tsx";

export function RulesPage() {
  useTitle("Routing rules");
  const { announce } = useAnnouncer();
  const [saved, setSaved] = useState<Rule[] | null>(null);
  const [teams, setTeams] = useState<Team[]>([]);
  const [draft, setDraft] = useState<DraftRule[]>([]);
  const [revision, setRevision] = useState(0);
  const [open, setOpen] = useState<Set<string>>(new Set());
  const [problems, setProblems] = useState<Problem[]>([]);
  const [ruleErrors, setRuleErrors] = useState<Map<string, string[]>>(new Map());
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [importDoc, setImportDoc] = useState<{ name: string; doc: { rules?: unknown[] } } | null>(null);
  const fileRef = useRef<HTMLInputElement>(null);

  const [choices, setChoices] = useState<RuleChoices | null>(null);
  useEffect(() => {
    // Without them the editor still shows the rule's own values; only the choice lists are missing.
    get<RuleChoices>("/api/routing-rules/choices").then(setChoices, () => setChoices(null));
  }, []);

  const load = useCallback(async () => {
    const [rules, t] = await Promise.all([get<Rule[]>("/api/routing-rules"), get<Team[]>("/api/teams")]);
    const ordered = [...rules].sort((a, b) => a.position - b.position);
    setSaved(ordered);
    setTeams(t);
    setDraft(ordered.map(toDraft));
    setRevision((r) => r + 1);
  }, []);
  useEffect(() => {
    load().catch((err: unknown) =>
      setProblems([{ text: err instanceof ApiError ? err.message : "Rules could not be loaded." }]),
    );
  }, [load]);

  if (!saved) return problems.length ? <ErrorSummary problems={problems} /> : <Loading what="Loading routing rules" />;

  const dirty = isDirty(draft, saved);
  const defaultTeam = teams.find((t) => t.isDefault);
  const update = (i: number, r: DraftRule) => setDraft((d) => d.map((x, j) => (j === i ? r : x)));
  const move = (i: number, delta: number) => {
    const j = i + delta;
    if (j < 0 || j >= draft.length) return;
    const next = [...draft];
    [next[i], next[j]] = [next[j]!, next[i]!];
    setDraft(next);
    announce(`${draft[i]!.name || "Rule"} moved to position ${j + 1} of ${draft.length}`);
    // Keep focus on the same button of the moved rule.
    const label = delta < 0 ? "Move up" : "Move down";
    window.setTimeout(() => {
      const li = document.getElementById(`rule-${draft[i]!.key}`);
      const btn = [...(li?.querySelectorAll("button") ?? [])].find(
        (b) => b.textContent?.startsWith(label) && !b.disabled,
      );
      (btn ?? li?.querySelector("button"))?.focus();
    }, 0);
  };

  const validate = (): boolean => {
    const errs = new Map<string, string[]>();
    const list: Problem[] = [];
    draft.forEach((r, i) => {
      const e: string[] = [];
      if (!r.name.trim()) e.push(`Rule ${i + 1}: enter a name`);
      if (!r.teamId) e.push(`Rule ${i + 1}: choose the team it sends requests to`);
      if (e.length) {
        errs.set(r.key, e);
        list.push(...e.map((text) => ({ text, href: `#rule-${r.key}` })));
      }
    });
    setRuleErrors(errs);
    setProblems(list);
    if (list.length) setOpen((o) => new Set([...o, ...errs.keys()]));
    return list.length === 0;
  };

  const save = async () => {
    if (!validate()) return;
    setBusy(true);
    try {
      await saveDraft(draft, saved);
      await load();
      setOpen(new Set());
      setNotice("The routing rules are saved. New requests are routed with them from now on.");
      announce("Routing rules saved");
    } catch (err) {
      setProblems([{ text: err instanceof ApiError ? err.message : "The rules could not be saved." }]);
      await load().catch(() => undefined);
    } finally {
      setBusy(false);
    }
  };

  const exportRules = async () => {
    const doc = await get<unknown>("/api/routing-rules/export");
    const blob = new Blob([JSON.stringify(doc, null, 2)], { type: "application/json" });
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = `rebook-routing-rules-${new Date().toISOString().slice(0, 10)}.json`;
    document.body.append(a);
    a.click();
    a.remove();
    window.setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  };

  const readFile = async (file: File) => {
    setProblems([]);
    try {
      const doc = JSON.parse(await file.text()) as { rules?: unknown[] };
      if (!doc || !Array.isArray(doc.rules)) throw new Error("not a rules document");
      setImportDoc({ name: file.name, doc });
    } catch {
      setImportDoc(null);
      setProblems([{ text: `${file.name} is not a routing rules file exported from Rebook`, href: "#import-file" }]);
    }
  };

  const doImport = async () => {
    if (!importDoc) return;
    setBusy(true);
    try {
      await post("/api/routing-rules/import", importDoc.doc);
      await load();
      setImportDoc(null);
      if (fileRef.current) fileRef.current.value = "";
      setNotice(`The rules from ${importDoc.name} replaced the previous rules.`);
      announce("Routing rules imported");
    } catch (err) {
      const ae = err instanceof ApiError ? err : null;
      setProblems(
        ae?.problems.length
          ? ae.problems.map((p) => ({ text: `${p.path}: ${p.message}` }))
          : [{ text: ae?.message ?? "The file could not be imported." }],
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <PageHeading>Routing rules</PageHeading>
      <p className="nhsuk-body">
        Each new request goes through the rules in order: the first switched-on rule whose conditions all match decides
        its team. Requests that no rule matches go to the default team
        {defaultTeam ? (
          <>
            , <strong>{defaultTeam.name}</strong>
          </>
        ) : null}
        . Requests already routed keep their team.
      </p>
      <ErrorSummary problems={problems} />
      {notice ? (
        <div className="app-notice app-notice--ok" role="status">
          <p className="nhsuk-body nhsuk-u-margin-bottom-0">{notice}</p>
        </div>
      ) : null}
      {dirty ? (
        <Warning heading="You have changes that are not saved">
          <p>Try them on past requests with the simulator below, then save them.</p>
        </Warning>
      ) : null}
      {draft.length === 0 ? <Inset>There are no rules: every request goes to the default team.</Inset> : null}
      <h2 className="nhsuk-heading-m">Rules, in the order they are checked</h2>
      <ol className="nhsuk-list" aria-label="Rules in order">
        {draft.map((r, i) => (
          <RuleEditor
            key={`${r.key}-${revision}`}
            rule={r}
            index={i}
            count={draft.length}
            teams={teams}
            choices={choices}
            open={open.has(r.key)}
            errors={ruleErrors.get(r.key) ?? []}
            onToggle={() =>
              setOpen((o) => {
                const n = new Set(o);
                if (n.has(r.key)) n.delete(r.key);
                else n.add(r.key);
                return n;
              })
            }
            onChange={(x) => update(i, x)}
            onMove={(d) => move(i, d)}
            onRemove={() => {
              setDraft((d) => d.filter((_, j) => j !== i));
              announce(`${r.name || "Rule"} removed from the draft`);
            }}
          />
        ))}
      </ol>
      <div className="app-button-row">
        <button
          type="button"
          className="nhsuk-button nhsuk-button--secondary"
          onClick={() => {
            const key = newKey();
            setDraft((d) => [
              ...d,
              {
                key,
                id: null,
                name: "",
                enabled: true,
                conditions: {},
                teamId: "",
                assignUserId: null,
                priority: null,
              },
            ]);
            setOpen((o) => new Set([...o, key]));
            window.setTimeout(() => document.getElementById(`rule-${key}-name`)?.focus(), 0);
          }}
        >
          Add a rule
        </button>
        <button type="button" className="nhsuk-button" disabled={!dirty || busy} onClick={() => void save()}>
          {busy ? "Saving…" : "Save rules"}
        </button>
        {dirty ? (
          <button
            type="button"
            className="nhsuk-button nhsuk-button--secondary"
            onClick={() => {
              setDraft(saved.map(toDraft));
              setRevision((x) => x + 1);
              setRuleErrors(new Map());
              setProblems([]);
              announce("Changes discarded");
            }}
          >
            Discard changes
          </button>
        ) : null}
      </div>

      <Simulator rules={() => simulationRules(draft)} label={dirty ? "your draft" : "these rules"} />

      <section className="app-section" aria-labelledby="import-heading">
        <h2 className="nhsuk-heading-m" id="import-heading">
          Export and import
        </h2>
        <p className="nhsuk-body">
          Export the saved rules as a JSON file (teams by name, people by email), for a backup or another Rebook.
        </p>
        <button type="button" className="nhsuk-button nhsuk-button--secondary" onClick={() => void exportRules()}>
          Export rules (JSON)
        </button>
        <div className="nhsuk-form-group">
          <label className="nhsuk-label" htmlFor="import-file">
            Import rules from a file
          </label>
          <div className="nhsuk-hint" id="import-file-hint">
            Importing replaces every rule. Teams and people are matched by name and email.
          </div>
          <input
            ref={fileRef}
            className="nhsuk-file-upload__input"
            id="import-file"
            type="file"
            accept="application/json,.json"
            aria-describedby="import-file-hint"
            onChange={(e) => {
              const f = e.target.files?.[0];
              if (f) void readFile(f);
            }}
          />
        </div>
        {importDoc ? (
          <div className="app-card" data-testid="import-ready">
            <p className="nhsuk-body">
              {importDoc.name}: {plural(importDoc.doc.rules?.length ?? 0, "rule")}.
            </p>
            <Simulator id="sim-import" rules={() => importDoc.doc.rules ?? []} label="the file's rules" />
            <button
              type="button"
              className="nhsuk-button nhsuk-button--warning"
              disabled={busy}
              onClick={() => void doImport()}
            >
              Replace the rules with this file
            </button>
          </div>
        ) : null}
      </section>
    </>
  );
}
