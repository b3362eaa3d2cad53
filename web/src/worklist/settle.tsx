// What PKB already shows, and how often the patient asked, as tags for the worklist and the request page (text first,
// colour second): "PKB shows it moved", "Appointment passed", "Asked 2 times", "Asked again after an outcome".
import type { ReactNode } from "react";
import type { PkbFlag, RequestItem } from "../api/types.ts";
import { Tag } from "../components/ui.tsx";

/** The words of each flag, for a tag and the filter. */
export const pkbFlagText: Record<PkbFlag, string> = {
  moved: "PKB shows it moved",
  cancelled: "PKB shows it cancelled",
};

/** The tags a worklist row shows for settling (none when there is nothing to say). */
export function SettleTags({ r }: { r: RequestItem }) {
  const tags: { key: string; node: ReactNode }[] = [];
  if (r.pkbFlag && r.status !== "done")
    tags.push({
      key: "flag",
      node: (
        <Tag colour="orange" className="app-tag--nowrap">
          {pkbFlagText[r.pkbFlag.kind]}
        </Tag>
      ),
    });
  if ((r.askedCount ?? 1) > 1)
    tags.push({
      key: "asked",
      node: (
        <Tag colour="blue" className="app-tag--nowrap">
          Asked {r.askedCount} times
        </Tag>
      ),
    });
  if (r.previousRequestId)
    tags.push({
      key: "again",
      node: (
        <Tag colour="blue" className="app-tag--nowrap">
          Asked again after an outcome
        </Tag>
      ),
    });
  if (tags.length === 0) return null;
  return (
    <>
      {tags.map((t) => (
        <span key={t.key} className="app-settle-tag">
          <br />
          {t.node}
        </span>
      ))}
    </>
  );
}
