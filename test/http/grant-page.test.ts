// The page PKB's redirect lands on after Grant Access looks like the web app (its header, the design system's
// confirmation panel or a warning), leads back into the app, and its inline style is the one the CSP allows.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { grantResultPage, PAGE_CSP } from "../../src/http/status-page.ts";

describe("the Grant Access result page", () => {
  it("is in the app's style and leads back into the app", () => {
    const ok = grantResultPage({ ok: true, label: "Appointments", who: "Dr <Pat> Smith" });
    expect(ok).toContain('<header class="header"><span class="logo" aria-hidden="true">NHS</span>');
    expect(ok).toContain('<div class="panel"><h1>Access granted</h1>');
    expect(ok).toContain("Dr &lt;Pat&gt; Smith");
    expect(ok).toContain('<a class="button" href="/admin/connections">Go to PKB connections</a>');
    expect(ok).toContain('<a href="/requests">Go to the worklist</a>');
    const failed = grantResultPage({ ok: false, message: "PKB refused access" });
    expect(failed).toContain('<div class="warning" role="alert"><h1>Access not granted</h1><p>PKB refused access</p>');
    const style = /<style>([\s\S]*?)<\/style>/.exec(ok)![1]!;
    expect(PAGE_CSP).toContain(`'sha256-${createHash("sha256").update(style).digest("base64")}'`);
  });
});
