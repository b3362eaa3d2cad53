// Tags for a request's state: text first, colour second (never colour alone).
import type { Deadline, MatchState, Priority, RequestStatus, RequestType } from "../api/types.ts";
import { Tag, type TagColour } from "../components/ui.tsx";
import { matchText, priorityText, statusText, typeText } from "../format.ts";

const deadlineColour: Record<Deadline["state"], TagColour> = {
  overdue: "red",
  due_soon: "orange",
  on_track: "white",
  passed: "grey",
  done: "green",
  waiting: "purple",
};

export function DeadlineTag({ deadline }: { deadline: Deadline | null | undefined }) {
  if (!deadline) return <span className="app-muted">Not known</span>;
  // A done request has no deadline left; its status already says "Done" (never two "Done" tags side by side).
  if (deadline.state === "done") return <span className="app-muted">None: request done</span>;
  return (
    <Tag colour={deadlineColour[deadline.state]} className="app-tag--nowrap">
      {deadline.text}
    </Tag>
  );
}

const matchColour: Record<MatchState, TagColour> = {
  pending: "white",
  auto_linked: "green",
  manual: "green",
  review: "orange",
  no_candidates: "red",
  not_applicable: "grey",
};

export function MatchTag({ state }: { state: MatchState }) {
  return <Tag colour={matchColour[state]}>{matchText[state]}</Tag>;
}

const statusColour: Record<RequestStatus, TagColour> = {
  processing: "white",
  open: "blue",
  in_progress: "purple",
  done: "green",
  error: "red",
};

export function StatusTag({ status }: { status: RequestStatus }) {
  return <Tag colour={statusColour[status]}>{statusText[status]}</Tag>;
}

export function TypeTag({ type }: { type: RequestType | null }) {
  if (!type) return <Tag colour="grey">Unreadable</Tag>;
  return <Tag colour={type === "cancel" ? "pink" : "aqua-green"}>{typeText[type]}</Tag>;
}

const priorityColour: Record<Priority, TagColour | null> = {
  urgent: "red",
  high: "orange",
  normal: null,
  low: "grey",
};

/** A request's priority: a tag when it is not normal (text first: "Urgent"), plain muted text when it is. */
export function PriorityTag({ priority }: { priority: Priority }) {
  const colour = priorityColour[priority];
  if (!colour) return <span className="app-muted">{priorityText[priority]}</span>;
  return <Tag colour={colour}>{priorityText[priority]}</Tag>;
}
