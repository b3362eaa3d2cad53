// People at work during the chaos run, over HTTP only: Rebook's admin signs in and starts Grant Access, and the
// clinician signs in on PKB's consent page and grants access, as they would in a browser. PKB's pages are under the
// same faults as its API, so each page is retried as a person would (honouring Retry-After); a grant that still fails
// is started again from the beginning.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A signed-in admin of one Rebook instance. */
export interface AdminSession {
  baseUrl: string;
  cookie: string;
  csrfToken: string;
}

/** fetch with a timeout: no call of the run can hang it. */
async function call(url: string, init: RequestInit = {}): Promise<Response> {
  return fetch(url, { ...init, redirect: "manual", signal: AbortSignal.timeout(20_000) });
}

/** A PKB page, retried on 5xx and 429 as a person pressing reload would. */
async function pkbPage(url: string | URL, init: RequestInit = {}): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    const res = await call(String(url), init);
    if ((res.status < 500 && res.status !== 429) || attempt >= 8) return res;
    await res.arrayBuffer();
    const retryAfter = Number(res.headers.get("retry-after"));
    await sleep(Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 500);
  }
}

/** Signs in to Rebook with email and password (POST /api/auth/login). */
export async function signIn(baseUrl: string, email: string, password: string): Promise<AdminSession> {
  const res = await call(`${baseUrl}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password }),
  });
  const body = (await res.json()) as { csrfToken?: string };
  const cookie = res.headers.getSetCookie().map((c) => c.split(";")[0])[0];
  if (res.status !== 200 || !cookie || !body.csrfToken) throw new Error(`sign-in to Rebook: HTTP ${res.status}`);
  return { baseUrl, cookie, csrfToken: body.csrfToken };
}

/** Starts Grant Access for a new connection; returns its id and PKB's authorize URL. */
async function newConnection(admin: AdminSession, label: string): Promise<{ id: string; authorizeUrl: string }> {
  const res = await call(`${admin.baseUrl}/api/pkb/connections`, {
    method: "POST",
    headers: { "content-type": "application/json", cookie: admin.cookie, "x-csrf-token": admin.csrfToken },
    body: JSON.stringify({ label }),
  });
  if (res.status !== 201) throw new Error(`start Grant Access: HTTP ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { connection: { id: string }; authorizeUrl: string };
  return { id: body.connection.id, authorizeUrl: body.authorizeUrl };
}

/** Re-authorisation of a connection: Rebook's authorize link redirects the browser to PKB. */
async function reauthorizeUrl(admin: AdminSession, connectionId: string): Promise<string> {
  const res = await call(`${admin.baseUrl}/api/pkb/connections/${connectionId}/authorize`, {
    headers: { cookie: admin.cookie },
  });
  const location = res.headers.get("location");
  await res.arrayBuffer();
  if (res.status !== 302 || !location) throw new Error(`re-authorise: HTTP ${res.status}`);
  return location;
}

/** The clinician signs in on PKB's consent page and grants; Rebook's callback (as the admin's browser) finishes. */
async function consent(admin: AdminSession, authorizeUrl: string, username: string): Promise<void> {
  const page = await pkbPage(authorizeUrl);
  const html = await page.text();
  const request = /name="request" value="([^"]+)"/.exec(html)?.[1];
  if (!request) throw new Error(`PKB consent page: HTTP ${page.status}, no form`);
  const granted = await pkbPage(new URL("/apiAuthorize.action", authorizeUrl), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ request, username, password: "sandbox", decision: "grant" }),
  });
  const back = granted.headers.get("location");
  await granted.arrayBuffer();
  if (granted.status !== 302 || !back) throw new Error(`PKB consent: HTTP ${granted.status}`);
  // The browser follows PKB's redirect to the Rebook instance that started the grant, with the admin's cookie.
  const callback = await call(back, { headers: { cookie: admin.cookie } });
  const text = await callback.text();
  if (callback.status !== 200 || !text.includes("Access granted"))
    throw new Error(`Rebook's callback: HTTP ${callback.status}`);
}

/** Runs `grant` up to `tries` times (each from the start); returns how many tries it took. */
async function withTries(tries: number, grant: () => Promise<void>): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      await grant();
      return attempt;
    } catch (err) {
      if (attempt >= tries) throw err;
      await sleep(1_000);
    }
  }
}

/** Grant Access for a new connection through PKB's consent page; returns the connection id and the tries needed. */
export async function grantNewConnection(
  admin: AdminSession,
  p: { label: string; username: string },
): Promise<{ connectionId: string; tries: number }> {
  const started = await newConnection(admin, p.label);
  let first = true;
  const tries = await withTries(5, async () => {
    // A failed try used up its state: later tries start Grant Access again for the same connection.
    const url = first ? started.authorizeUrl : await reauthorizeUrl(admin, started.id);
    first = false;
    await consent(admin, url, p.username);
  });
  return { connectionId: started.id, tries };
}

/** Grants access again for an existing connection (after PKB ended its session); returns the tries needed. */
export async function grantAgain(admin: AdminSession, connectionId: string, username: string): Promise<number> {
  return withTries(5, async () => consent(admin, await reauthorizeUrl(admin, connectionId), username));
}
