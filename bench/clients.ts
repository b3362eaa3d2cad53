// Signed-in clients loading worklist pages in a loop, in their own process (so they never share the server's event
// loop): `node --import tsx bench/clients.ts '<json>'` with {base, paths, cookies, seconds, perSecond?}; each cookie is
// one client, all running at once; perSecond paces the whole group. Prints one JSON line of figures (with its own CPU).
interface Args {
  base: string;
  paths: string[];
  cookies: string[];
  seconds: number;
  perSecond?: number;
}

const args = JSON.parse(process.argv[2] ?? "{}") as Args;
const times: number[] = [];
let errors = 0;
const end = Date.now() + args.seconds * 1000;
const started = Date.now();
const cpu0 = process.cpuUsage();
let sent = 0;

async function client(cookie: string, index: number): Promise<void> {
  for (let i = index; Date.now() < end; i += args.cookies.length) {
    if (args.perSecond) {
      // Paced: request n of the group goes out at n / perSecond seconds.
      const due = started + (sent++ * 1000) / args.perSecond;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      if (Date.now() >= end) return;
    }
    const t0 = performance.now();
    try {
      const res = await fetch(`${args.base}${args.paths[i % args.paths.length]}`, { headers: { cookie } });
      await res.arrayBuffer();
      if (res.status !== 200) errors++;
      else times.push(performance.now() - t0);
    } catch {
      errors++;
    }
  }
}

await Promise.all(args.cookies.map((c, i) => client(c, i)));
const seconds = (Date.now() - started) / 1000;
const cpu = process.cpuUsage(cpu0);
times.sort((a, b) => a - b);
const pct = (q: number): number =>
  Math.round((times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0) * 10) / 10;
process.stdout.write(
  `${JSON.stringify({ pages: times.length, errors, pagesPerSecond: Math.round(times.length / seconds), p50Ms: pct(0.5), p95Ms: pct(0.95), p99Ms: pct(0.99), cpuMs: Math.round((cpu.user + cpu.system) / 1000) })}\n`,
);
