import { Link } from "react-router";
import { PageHeading, useTitle } from "../components/ui.tsx";

/** Any path the app does not know. */
export function NotFound() {
  useTitle("Page not found");
  return (
    <>
      <PageHeading>Page not found</PageHeading>
      <p className="nhsuk-body">If you typed the web address, check it is correct.</p>
      <p className="nhsuk-body">
        <Link to="/requests">Go to the worklist</Link>
      </p>
    </>
  );
}
