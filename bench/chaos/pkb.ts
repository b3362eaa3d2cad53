// What PKB does during the chaos run, through the emulator's control API and its public FHIR API: faults, patients
// sending new requests, follow-ups and other messages while Rebook works, the poison message, a revoked session, and
// at the end its ground truth and how often a refresh token was reused.
import type { TruthEntry } from "./verdict.ts";

/** The faults of the run: 10% 503s, a 429 with Retry-After every 25th call, and added latency on every call. */
export const CHAOS_FAULTS = {
  errorRate: 0.1,
  status: 503,
  rateLimit: { every: 25, retryAfterSeconds: 2 },
  latencyMs: 40,
} as const;

/** Text PostgreSQL cannot store (U+0000), as PKB can send any text. */
export const POISON_TEXT = "Please cancel this one.\u0000 Thank you";

/** A message the emulator added, with its send time (epoch ms). */
export interface Sent {
  messageId: string;
  sentAt: number;
  kind: TruthEntry["kind"];
  conversationId: string;
  patientPkbId: string;
}

/** The emulator's control API and FHIR API. */
export class Pkb {
  constructor(readonly url: string) {}

  /** A control API call; throws on anything but 2xx. */
  async control<T>(method: "GET" | "POST" | "PUT" | "DELETE", path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.url}/_sandbox/${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
    if (!res.ok) throw new Error(`emulator control ${method} ${path}: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }

  setFaults(): Promise<unknown> {
    return this.control("PUT", "faults", CHAOS_FAULTS);
  }

  /** PKB ends every session of `username` (API_SESSION_INVALID). */
  async revoke(username: string): Promise<number> {
    return (await this.control<{ affected: number }>("POST", "sessions/revoke", { username })).affected;
  }

  async groundTruth(): Promise<TruthEntry[]> {
    return (await this.control<{ entries: TruthEntry[] }>("GET", "ground-truth")).entries;
  }

  async state(): Promise<{ reuses: { refreshTokens: number; authorizationCodes: number } | undefined }> {
    return this.control("GET", "state");
  }

  async faultsMatched(): Promise<number> {
    return (await this.control<{ matched: number }>("GET", "faults")).matched;
  }

  /**
   * Booked appointments at least five days ahead that no request names yet, for new requests during the run (PKB
   * only offers requests for booked appointments more than 72 hours ahead). Read through the FHIR API before any
   * fault is set.
   */
  async bookableAppointments(truth: TruthEntry[], wanted: number): Promise<string[]> {
    const token = await this.systemToken();
    const requested = new Set(truth.map((t) => t.appointmentId));
    const from = new Date(Date.now() + 5 * 86_400_000).toISOString().slice(0, 10);
    const found: string[] = [];
    const patients = [...new Set(truth.filter((t) => t.nhsNumber).map((t) => t.nhsNumber!))];
    for (const nhs of patients) {
      if (found.length >= wanted) break;
      const res = await fetch(
        `${this.url}/aggregated/fhir/Appointment?actor:Patient.identifier=https://fhir.nhs.uk/Id/nhs-number%7C${nhs}&status=booked&date=ge${from}&_count=100`,
        { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(20_000) },
      );
      if (!res.ok) throw new Error(`FHIR search: HTTP ${res.status}`);
      const bundle = (await res.json()) as { entry?: { resource: { id: string } }[] };
      // One per patient: several requests of one patient for one start would be ambiguous on purpose.
      const free = (bundle.entry ?? []).map((e) => e.resource.id).find((id) => !requested.has(id));
      if (free) found.push(free);
    }
    return found;
  }

  /**
   * The ids of every message `username` sees in PKB: read once through PKB's own API with a session of the run's own
   * (signed in on the consent page, code exchanged by the run; Rebook's session is not touched).
   */
  async visibleMessageIds(username: string, redirectUri: string): Promise<Set<string>> {
    const timeout = () => AbortSignal.timeout(120_000);
    const authorize = new URL("/apiAuthorize.action", this.url);
    authorize.search = new URLSearchParams({
      client_id: "rebook-sandbox",
      response_type: "code",
      scope: "CLINICIAN",
      redirect_uri: redirectUri,
      state: "chaos-observer",
    }).toString();
    const html = await (await fetch(authorize, { signal: timeout() })).text();
    const request = /name="request" value="([^"]+)"/.exec(html)?.[1];
    if (!request) throw new Error("observer: no consent form");
    const consent = await fetch(new URL("/apiAuthorize.action", this.url), {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ request, username, password: "sandbox", decision: "grant" }),
      signal: timeout(),
    });
    const code = new URL(consent.headers.get("location") ?? "http://x/").searchParams.get("code");
    if (!code) throw new Error(`observer: consent gave HTTP ${consent.status}, no code`);
    const token = await fetch(new URL("/apiToken.action", this.url), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code,
        redirect_uri: redirectUri,
        client_id: "rebook-sandbox",
        client_secret: "sandbox-secret",
      }),
      signal: timeout(),
    });
    if (!token.ok) throw new Error(`observer: token HTTP ${token.status}`);
    const { access_token } = (await token.json()) as { access_token: string };
    const res = await fetch(new URL("/json/messages/after/2000-01-01", this.url), {
      headers: { authorization: `Bearer ${access_token}` },
      signal: timeout(),
    });
    if (!res.ok) throw new Error(`observer: messages HTTP ${res.status}`);
    const conversations = (await res.json()) as { messages: { id: string }[] }[];
    return new Set(conversations.flatMap((c) => c.messages.map((m) => m.id)));
  }

  private async systemToken(): Promise<string> {
    const res = await fetch(`${this.url}/iam/auth/realms/pkb/protocol/openid-connect/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "client_credentials",
        client_id: "rebook-fhir",
        client_secret: "sandbox-fhir-secret",
      }),
      signal: AbortSignal.timeout(20_000),
    });
    if (!res.ok) throw new Error(`FHIR token: HTTP ${res.status}`);
    return ((await res.json()) as { access_token: string }).access_token;
  }

  /** A patient's change/cancel request for `appointmentId`, sent now. */
  async request(appointmentId: string, kind: "change" | "cancel", content: string): Promise<Sent> {
    const r = await this.control<AddedMessage>("POST", "messages", { appointmentId, kind, content });
    return sent(r);
  }

  /** Any other message, sent now: into `conversationId` (a follow-up) or a new conversation (unrelated). */
  async message(p: { patientPkbId: string; subject: string; content: string; conversationId?: string }): Promise<Sent> {
    return sent(await this.control<AddedMessage>("POST", "messages", p));
  }
}

interface AddedMessage {
  message: { id: string; timestamp: number; conversationId: string; patientId: string };
  groundTruth: TruthEntry;
}

const sent = (r: AddedMessage): Sent => ({
  messageId: r.message.id,
  sentAt: r.message.timestamp,
  kind: r.groundTruth.kind,
  conversationId: r.message.conversationId,
  patientPkbId: r.message.patientId,
});

/** Patients writing while Rebook works: mostly new requests, with follow-ups to them and unrelated messages. */
export class LiveTraffic {
  readonly sent: Sent[] = [];
  private n = 0;

  constructor(
    private readonly pkb: Pkb,
    private readonly appointments: string[],
  ) {}

  /** Sends the next message. */
  async next(): Promise<Sent> {
    this.n++;
    const requests = this.sent.filter((s) => s.kind === "change" || s.kind === "cancel");
    let s: Sent;
    if (this.n % 4 === 0 && requests.length > 0) {
      const to = requests[this.n % requests.length]!;
      s = await this.pkb.message({
        patientPkbId: to.patientPkbId,
        subject: "Re: my appointment",
        content: "Just checking you got my request.",
        conversationId: to.conversationId,
      });
    } else if (this.n % 7 === 0 || this.appointments.length === 0) {
      const anyone = requests[0]?.patientPkbId ?? this.sent[0]?.patientPkbId;
      if (!anyone) throw new Error("no patient to send an unrelated message as");
      s = await this.pkb.message({ patientPkbId: anyone, subject: "Parking", content: "Where do I park?" });
    } else {
      const kind = this.n % 2 === 0 ? "change" : "cancel";
      s = await this.pkb.request(this.appointments.shift()!, kind, `Please ${kind} my appointment.`);
    }
    this.sent.push(s);
    return s;
  }

  /** The poison message: a cancel request whose text holds U+0000. */
  async poison(): Promise<Sent | null> {
    const appointment = this.appointments.shift();
    if (!appointment) return null;
    const s = await this.pkb.request(appointment, "cancel", POISON_TEXT);
    this.sent.push(s);
    return s;
  }
}
