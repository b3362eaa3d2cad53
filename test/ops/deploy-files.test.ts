// The deployment files agree with each other: compose.yaml runs two Rebook instances from this repo's Dockerfile on
// one PostgreSQL, publishes only the proxy's port, and deploy/Caddyfile proxies to exactly those instances; the
// Dockerfile's runtime stage is non-root, production-only and has a health check. (scripts/image-files.ts and
// scripts/two-instances.ts run what these files describe.)
import { execFile } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const root = path.resolve(import.meta.dirname, "../..");
const read = (f: string) => fs.readFile(path.join(root, f), "utf8");
const run = promisify(execFile);
/** The node running the tests first, for the launch commands' shell to find (their own environment is only this). */
// eslint-disable-next-line no-restricted-properties -- the tests' own PATH, after this node's directory
const PATH = `${path.dirname(process.execPath)}:${process.env.PATH}`;

interface Service {
  build?: string;
  image?: string;
  ports?: string[];
  env_file?: string;
  environment?: Record<string, string>;
  depends_on?: unknown;
  healthcheck?: unknown;
}

describe("deployment files", () => {
  it("compose.yaml: two instances of the image on one PostgreSQL, one published port (the proxy's)", async () => {
    const compose = parse(await read("compose.yaml"), { merge: true }) as { services: Record<string, Service> };
    const services = compose.services;
    const rebooks = Object.entries(services).filter(([, s]) => s.build === ".");
    expect(rebooks.map(([name]) => name)).toEqual(["rebook-1", "rebook-2"]);
    for (const [, s] of rebooks) {
      expect(s.ports).toBeUndefined();
      expect(s.env_file).toBe("deploy/rebook.env");
      expect(s.environment?.TRUST_PROXY).toBe("1");
      expect(s.depends_on).toEqual({ postgres: { condition: "service_healthy" } });
    }
    expect(services.postgres?.healthcheck).toBeDefined();
    const published = Object.entries(services).filter(([, s]) => s.ports?.length);
    expect(published.map(([name]) => name)).toEqual(["proxy"]);

    const caddyfile = await read("deploy/Caddyfile");
    const upstreams = /reverse_proxy ([^{]+)\{/.exec(caddyfile)?.[1]?.trim().split(/\s+/);
    expect(upstreams).toEqual(rebooks.map(([name]) => `${name}:3000`));
    expect(caddyfile).toMatch(/respond \/metrics 404/);
    for (const example of ["deploy/rebook.env.example", "deploy/postgres.env.example"]) await read(example);
    expect(await read(".gitignore")).toMatch(/^deploy\/\*\.env$/m);
  });

  /** package.json (its `config` sets how Rebook runs), the Dockerfile and its runtime stage. */
  const runSettings = async () => ({
    pkg: JSON.parse(await read("package.json")) as {
      config: { heapMb: string; mallocTrimThreshold: string; semiSpaceMb: string; postgresSemiSpaceMb: string };
      scripts: { start: string };
      dependencies: Record<string, string>;
    },
    ...(await read("Dockerfile").then((dockerfile) => ({ dockerfile, runtime: dockerfile.split(/^FROM /m).at(-1)! }))),
  });

  it("Dockerfile: production dependencies only, non-root, health-checked, Node 24", async () => {
    const { pkg, dockerfile, runtime } = await runSettings();
    expect(dockerfile).toMatch(/^ARG NODE_VERSION=24$/m);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/^HEALTHCHECK /m);
    expect(runtime).toMatch(/^ENV NODE_ENV=production /m);
    expect(runtime).not.toMatch(/COPY (\.|sandbox|test|bench)\b/);
    // The compiled server: no TypeScript compiler in production, none of its memory in the running process.
    expect(runtime).toMatch(/^CMD \[.*\bexec node dist\/cli\.js start"\]$/m);
    expect(runtime).toMatch(/^COPY --from=build \/app\/dist \.\/dist$/m);
    expect(Object.keys(pkg.dependencies)).not.toContain("tsx");
  });

  /**
   * The JavaScript heap's limit (V8's old and young generations together, bytes) of a process that `argv` starts in
   * the environment `env` (the whole of it), from a dist/cli.js that reports it and its arguments: the launch commands
   * run for real, as `npm start` (its shell) and the image (its CMD) run them. `expected` gives it for node's flags.
   */
  const heapLimit = {
    async of(argv: string[], env: Record<string, string>): Promise<{ limit: number; args: string[] }> {
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), "rebook-launch-"));
      try {
        await fs.mkdir(path.join(dir, "dist"));
        await fs.writeFile(path.join(dir, "package.json"), '{"type":"commonjs"}');
        await fs.writeFile(
          path.join(dir, "dist/cli.js"),
          `process.stdout.write(JSON.stringify({ limit: require("node:v8").getHeapStatistics().heap_size_limit,
             args: process.argv.slice(2) }));`,
        );
        const { stdout } = await run(argv[0]!, argv.slice(1), { cwd: dir, env });
        return JSON.parse(stdout) as { limit: number; args: string[] };
      } finally {
        await fs.rm(dir, { recursive: true, force: true });
      }
    },
    async expected(...flags: string[]): Promise<number> {
      const { stdout } = await run(
        process.execPath,
        [...flags, "-e", 'process.stdout.write(String(require("node:v8").getHeapStatistics().heap_size_limit))'],
        { env: { PATH } },
      );
      return Number(stdout);
    },
  };

  it("npm start and the image: config.heapMb's heap limit and config.semiSpaceMb's young generation, with PostgreSQL config.postgresSemiSpaceMb's; an operator's NODE_OPTIONS win", async () => {
    const { pkg, runtime } = await runSettings();
    expect(Number(pkg.config.heapMb)).toBeGreaterThanOrEqual(128);
    expect(Number(pkg.config.postgresSemiSpaceMb)).toBeGreaterThan(Number(pkg.config.semiSpaceMb));
    // npm runs a script with sh -c and its config as npm_package_config_*; the build before the server is left out.
    const [build, start] = pkg.scripts.start.split(" && ");
    expect(build).toBe("npm run build");
    const npmStart = {
      argv: ["/bin/sh", "-c", start!],
      env: Object.fromEntries(Object.entries(pkg.config).map(([k, v]) => [`npm_package_config_${k}`, v])),
    };
    // The image: its CMD, in its runtime stage's ENV (NAME=value or NAME="value", continuation lines joined).
    const envLines = [...runtime.replace(/\\\n/g, " ").matchAll(/^ENV (.+)$/gm)].map((m) => m[1]!);
    const image = {
      argv: JSON.parse(/^CMD (\[.*\])$/m.exec(runtime)![1]!) as string[],
      env: Object.fromEntries(
        envLines.flatMap((line) =>
          [...line.matchAll(/(\w+)=("[^"]*"|\S+)/g)].map((m) => [m[1]!, m[2]!.replace(/^"|"$/g, "")]),
        ),
      ),
    };
    const heap = `--max-old-space-size=${pkg.config.heapMb}`;
    const young = (mb: string) => `--max-semi-space-size=${mb}`;
    expect(image.env.NODE_OPTIONS).toBe(heap);
    const postgres = { DATABASE_URL: "postgres://rebook@db.example/rebook" };
    // Set whatever V8's default (16 MB semi-spaces on Node 20 here, 64 on Node 24), so both Node versions run alike.
    const embedded = await heapLimit.expected(heap, young(pkg.config.semiSpaceMb));
    const withPostgres = await heapLimit.expected(heap, young(pkg.config.postgresSemiSpaceMb));
    expect(withPostgres).toBeGreaterThan(embedded);
    // The operator's own options, with the heap limit that theirs must hold in the image (it replaces the ENV's).
    const operator = { NODE_OPTIONS: "--max-old-space-size=256 --max-semi-space-size=8" };
    const operators = await heapLimit.expected("--max-old-space-size=256", "--max-semi-space-size=8");
    for (const launch of [npmStart, image]) {
      const env = { PATH, ...launch.env };
      expect(await heapLimit.of(launch.argv, env)).toEqual({ limit: embedded, args: ["start"] });
      // An empty DATABASE_URL is the embedded store's, as Rebook's configuration reads it.
      expect((await heapLimit.of(launch.argv, { ...env, DATABASE_URL: "" })).limit).toBe(embedded);
      expect(await heapLimit.of(launch.argv, { ...env, ...postgres })).toEqual({
        limit: withPostgres,
        args: ["start"],
      });
      expect((await heapLimit.of(launch.argv, { ...env, ...postgres, ...operator })).limit).toBe(operators);
    }
  });

  it("malloc's trim threshold: npm start and the image fix it at package.json's config.mallocTrimThreshold, which an operator's own setting overrides", async () => {
    const { pkg, runtime } = await runSettings();
    expect(pkg.config.mallocTrimThreshold).toMatch(/^\d+$/);
    expect(pkg.scripts.start).toContain(
      'MALLOC_TRIM_THRESHOLD_="${MALLOC_TRIM_THRESHOLD_:-$npm_package_config_mallocTrimThreshold}" NODE_OPTIONS=',
    );
    expect(runtime).toMatch(new RegExp(`^ENV MALLOC_TRIM_THRESHOLD_=${pkg.config.mallocTrimThreshold}$`, "m"));
  });
});
