// One report section's own figures (/api/reports/<name>?<query>), loaded for the current view: the report when it is
// the current query's, or the error that says why it is not. Shared by the sections that load their own report.
import { useEffect, useState } from "react";
import { ApiError, get } from "../api/client.ts";

export function useSectionReport<T>(
  name: string,
  query: string,
  failText: string,
): { report: T | null; error: string | null } {
  const [loaded, setLoaded] = useState<{ query: string; report: T } | null>(null);
  const [error, setError] = useState<{ query: string; message: string } | null>(null);
  useEffect(() => {
    const ctl = new AbortController();
    get<T>(`/api/reports/${name}?${query}`, { signal: ctl.signal })
      .then((report) => setLoaded({ query, report }))
      .catch((err: unknown) => {
        if ((err as Error).name === "AbortError") return;
        setError({ query, message: err instanceof ApiError ? err.message : failText });
      });
    return () => ctl.abort();
  }, [name, query, failText]);
  return {
    report: loaded?.query === query ? loaded.report : null,
    error: error?.query === query ? error.message : null,
  };
}
