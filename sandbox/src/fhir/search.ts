// GET /Appointment search parameters: actor:Patient.identifier (mandatory, NHS number or PKB public id), date
// (FHIR prefixes, repeatable = AND), status (comma = OR), _id, _count, page, _total, _sort, _format.
// Unknown parameters are ignored (FHIR's default lenient handling).

import type { SandboxAppointment, SandboxPatient } from "../model.ts";
import type { IssueCode } from "../outcome.ts";
import { NHS_NUMBER_SYSTEM, PUBLIC_ID_SYSTEM, type World } from "../world.ts";
import { type DateCriterion, matchesDate, parseDateParam } from "./dates.ts";

/** Page size when _count is absent. */
export const DEFAULT_COUNT = 20;
/** Largest page size; larger _count values are clamped to it. */
export const MAX_COUNT = 100;

/** The patient search parameter. */
export const PATIENT_PARAM = "actor:Patient.identifier";

type SortKey = { key: "start" | "lastUpdated" | "id"; desc: boolean };

/** A validated Appointment search. */
export interface AppointmentSearch {
  patients: SandboxPatient[];
  dates: DateCriterion[];
  /** Each inner set is one `status` parameter (OR within, AND across). */
  statuses: Set<string>[];
  ids: Set<string> | null;
  count: number;
  page: number;
  total: "none" | "estimate" | "accurate";
  sort: SortKey[];
}

/** A search parameter problem: HTTP status, FHIR issue code and text. */
export interface SearchProblem {
  status: 400 | 406;
  code: IssueCode;
  text: string;
}

function all(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

function one(query: Record<string, string | string[] | undefined>, name: string): string | undefined | SearchProblem {
  const values = all(query[name]);
  if (values.length > 1) return { status: 400, code: "invalid", text: `${name} may be given only once` };
  return values[0];
}

const isProblem = (v: unknown): v is SearchProblem => typeof v === "object" && v !== null && "status" in v;

function intParam(raw: string | undefined, name: string, fallback: number, min: number): number | SearchProblem {
  if (raw === undefined || raw === "") return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min) {
    return { status: 400, code: "invalid", text: `${name} must be an integer ≥ ${min}` };
  }
  return Number(raw);
}

function resolvePatients(world: World, values: string[]): SandboxPatient[] | SearchProblem {
  let result = null as Set<SandboxPatient> | null;
  for (const value of values) {
    const matches = new Set<SandboxPatient>();
    for (const token of value.split(",")) {
      const bar = token.indexOf("|");
      const system = bar < 0 ? undefined : token.slice(0, bar);
      const id = bar < 0 ? token : token.slice(bar + 1);
      if (system !== undefined && system !== NHS_NUMBER_SYSTEM && system !== PUBLIC_ID_SYSTEM) {
        const text = `${PATIENT_PARAM} must use system ${NHS_NUMBER_SYSTEM} or ${PUBLIC_ID_SYSTEM}`;
        return { status: 400, code: "invalid", text };
      }
      if (id === "") return { status: 400, code: "invalid", text: `${PATIENT_PARAM} has an empty value` };
      for (const p of world.patientsByIdentifier(system, id)) matches.add(p);
    }
    result = result === null ? matches : new Set([...result].filter((p) => matches.has(p)));
  }
  return [...(result ?? [])];
}

function parseSort(raw: string | undefined): SortKey[] | SearchProblem {
  if (raw === undefined || raw === "") return [{ key: "start", desc: false }];
  const keys: SortKey[] = [];
  for (const part of raw.split(",")) {
    const desc = part.startsWith("-");
    const name = desc ? part.slice(1) : part;
    const key = name === "date" ? "start" : name === "_lastUpdated" ? "lastUpdated" : name === "_id" ? "id" : null;
    if (!key) return { status: 400, code: "not-supported", text: `_sort supports date, _lastUpdated and _id` };
    keys.push({ key, desc });
  }
  return keys;
}

/** Validates a search's query parameters. */
export function parseAppointmentSearch(
  world: World,
  query: Record<string, string | string[] | undefined>,
): AppointmentSearch | SearchProblem {
  const patientValues = all(query[PATIENT_PARAM]);
  if (patientValues.length === 0) {
    const text = `${PATIENT_PARAM} is required (${NHS_NUMBER_SYSTEM}|… or ${PUBLIC_ID_SYSTEM}|…)`;
    return { status: 400, code: "required", text };
  }
  const patients = resolvePatients(world, patientValues);
  if (isProblem(patients)) return patients;
  const dates: DateCriterion[] = [];
  for (const raw of all(query.date)) {
    const c = parseDateParam(raw);
    if ("error" in c) return { status: 400, code: "invalid", text: `date: ${c.error}` };
    dates.push(c);
  }
  const statuses = all(query.status).map((v) => new Set(v.split(",").map((s) => s.trim())));
  const idValues = all(query._id);
  const ids = idValues.length > 0 ? new Set(idValues.flatMap((v) => v.split(","))) : null;
  const single: Record<string, string | undefined> = {};
  for (const name of ["_count", "page", "_total", "_sort", "_format"]) {
    const v = one(query, name);
    if (isProblem(v)) return v;
    single[name] = v;
  }
  const count = intParam(single._count, "_count", DEFAULT_COUNT, 0);
  if (isProblem(count)) return count;
  const page = intParam(single.page, "page", 1, 1);
  if (isProblem(page)) return page;
  const total = single._total ?? "accurate";
  if (total !== "none" && total !== "estimate" && total !== "accurate") {
    return { status: 400, code: "invalid", text: "_total must be none, estimate or accurate" };
  }
  const format = single._format;
  if (format !== undefined && !/^(json|application\/json|application\/fhir[+ ]json)$/.test(format)) {
    return { status: 406, code: "not-supported", text: "only JSON is supported (_format=json)" };
  }
  const sort = parseSort(single._sort);
  if (isProblem(sort)) return sort;
  return { patients, dates, statuses, ids, count: Math.min(count, MAX_COUNT), page, total, sort };
}

/** Every appointment matching the search, sorted; paging is the caller's. */
export function runAppointmentSearch(world: World, s: AppointmentSearch): SandboxAppointment[] {
  const out: SandboxAppointment[] = [];
  for (const p of s.patients) {
    for (const a of world.appointmentsOf(p.pkbId)) {
      if (s.ids && !s.ids.has(a.id)) continue;
      if (!s.statuses.every((set) => set.has(a.status))) continue;
      const t = Date.parse(a.start);
      if (!s.dates.every((c) => matchesDate(c, t))) continue;
      out.push(a);
    }
  }
  const cmp = (a: SandboxAppointment, b: SandboxAppointment): number => {
    for (const k of s.sort) {
      const va = k.key === "start" ? Date.parse(a.start) : k.key === "lastUpdated" ? Date.parse(a.lastUpdated) : a.id;
      const vb = k.key === "start" ? Date.parse(b.start) : k.key === "lastUpdated" ? Date.parse(b.lastUpdated) : b.id;
      if (va !== vb) return (va < vb ? -1 : 1) * (k.desc ? -1 : 1);
    }
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  };
  return out.sort(cmp);
}
