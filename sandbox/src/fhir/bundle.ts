// searchset Bundles shaped like the seed's: meta {versionId "0", lastUpdated}, total, link (first/self/next/
// previous/last, absolute URLs carrying page=), entry[] {link self, fullUrl, resource, search.mode "match"}.

import type { Bundle, BundleLink, Resource } from "@medplum/fhirtypes";
import { fhirInstant } from "../util.ts";

/** What a search page needs to become a Bundle. */
export interface SearchPage<T extends Resource> {
  /** Absolute base of the FHIR API, no trailing slash (e.g. "http://127.0.0.1:4010/aggregated/fhir"). */
  fhirBase: string;
  resourceType: string;
  /** The request's raw query string (without "?"); links repeat its parameters in order, re-encoded. */
  rawQuery: string;
  page: number;
  count: number;
  /** Total matches, or null to omit Bundle.total (_total=none). */
  total: number | null;
  matches: number;
  resources: T[];
  now: number;
}

function pageUrl(base: string, rawQuery: string, page: number): string {
  const params = new URLSearchParams(rawQuery);
  params.delete("page");
  params.append("page", String(page));
  return `${base}?${params.toString()}`;
}

/** The searchset Bundle for one page of results. */
export function searchsetBundle<T extends Resource>(p: SearchPage<T>): Bundle<T> {
  const base = `${p.fhirBase}/${p.resourceType}`;
  const link: BundleLink[] = [];
  const last = p.count === 0 ? 1 : Math.max(1, Math.ceil(p.matches / p.count));
  if (p.count > 0) link.push({ relation: "first", url: pageUrl(base, p.rawQuery, 1) });
  const selfQuery = new URLSearchParams(p.rawQuery).toString();
  link.push({ relation: "self", url: selfQuery ? `${base}?${selfQuery}` : base });
  if (p.count > 0) {
    if (p.page > 1) link.push({ relation: "previous", url: pageUrl(base, p.rawQuery, Math.min(p.page - 1, last)) });
    if (p.page < last) link.push({ relation: "next", url: pageUrl(base, p.rawQuery, p.page + 1) });
    link.push({ relation: "last", url: pageUrl(base, p.rawQuery, last) });
  }
  const bundle: Bundle<T> = {
    resourceType: "Bundle",
    meta: { versionId: "0", lastUpdated: fhirInstant(p.now) },
    type: "searchset",
  };
  if (p.total !== null) bundle.total = p.total;
  bundle.link = link;
  if (p.resources.length > 0) {
    bundle.entry = p.resources.map((resource) => {
      const fullUrl = `${base}/${resource.id ?? ""}`;
      return { link: [{ relation: "self", url: fullUrl }], fullUrl, resource, search: { mode: "match" } };
    });
  }
  return bundle;
}
