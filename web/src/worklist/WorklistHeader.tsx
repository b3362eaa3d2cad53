// The worklist's heading and its "Live" line: live updates on, reconnecting, or (when collection has stopped) that new
// requests are not arriving, since when, and that an administrator has been told; and the keyboard shortcuts.
import { PageHeading } from "../components/ui.tsx";
import { stoppedHeadline, useCollection } from "../layout/Collection.tsx";

export function WorklistHeader({ live, onShowKeys }: { live: boolean; onShowKeys: () => void }) {
  const collection = useCollection();
  return (
    <div className="app-page-header">
      <PageHeading>Worklist</PageHeading>
      <p className="nhsuk-body-s app-live" data-testid="live-status">
        <span
          className={`app-live__dot${live && collection?.state !== "stopped" ? " app-live__dot--on" : ""}`}
          aria-hidden="true"
        />
        {collection?.state === "stopped"
          ? `${stoppedHeadline(collection)}.${collection.adminsTold.banner ? " An administrator has been told." : ""}`
          : live
            ? "Live: updates appear as they happen"
            : "Live updates paused: reconnecting"}
        <span className="app-live__sep" aria-hidden="true">
          {" · "}
        </span>
        <button type="button" className="app-link-button" onClick={onShowKeys} aria-keyshortcuts="?">
          Keyboard shortcuts
        </button>
      </p>
    </div>
  );
}
