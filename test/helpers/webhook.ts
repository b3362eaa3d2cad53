// An alert webhook receiver on a free port: every JSON alert posted to it, in order. Closed by the given cleanups.
import http from "node:http";

/** An alert as Rebook posts it (the fields tests look at). */
export interface PostedAlert {
  event: string;
  connectionId: string | null;
  reason: string;
  text: string;
}

/** Starts the receiver; `alerts` fills as alerts arrive. */
export async function startWebhook(cleanups: (() => Promise<void>)[]): Promise<{ url: string; alerts: PostedAlert[] }> {
  const alerts: PostedAlert[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      alerts.push(JSON.parse(body) as PostedAlert);
      res.end("ok");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  cleanups.push(() => new Promise((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/alerts`, alerts };
}
