// The worklist's layout switches: compact rows (one line per request) and, at wide screens, the preview pane. Toggle
// buttons (aria-pressed), remembered per person in this browser (prefs.ts).
import type { WorklistPrefs } from "./prefs.ts";

export function LayoutToggles({
  prefs,
  onChange,
  previewOffered,
}: {
  prefs: WorklistPrefs;
  onChange: (change: Partial<WorklistPrefs>) => void;
  /** The window is wide enough for the preview pane. */
  previewOffered: boolean;
}) {
  const preview = prefs.preview && previewOffered;
  return (
    <div className="app-layout-toggles" role="group" aria-label="Layout">
      {!preview ? (
        <button
          type="button"
          className="app-toggle"
          aria-pressed={prefs.compact}
          onClick={() => onChange({ compact: !prefs.compact })}
          data-testid="toggle-compact"
        >
          Compact rows
        </button>
      ) : null}
      {previewOffered ? (
        <button
          type="button"
          className="app-toggle"
          aria-pressed={preview}
          onClick={() => onChange({ preview: !prefs.preview })}
          data-testid="toggle-preview"
        >
          Preview pane
        </button>
      ) : null}
    </div>
  );
}
