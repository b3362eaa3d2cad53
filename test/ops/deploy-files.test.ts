// The deployment files agree with each other: compose.yaml runs two Rebook instances from this repo's Dockerfile on
// one PostgreSQL, publishes only the proxy's port, and deploy/Caddyfile proxies to exactly those instances; the
// Dockerfile's runtime stage is non-root, production-only and has a health check. (scripts/image-files.ts and
// scripts/two-instances.ts run what these files describe.)
import fs from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const root = path.resolve(import.meta.dirname, "../..");
const read = (f: string) => fs.readFile(path.join(root, f), "utf8");

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
      config: { heapMb: string; mallocTrimThreshold: string };
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
    expect(runtime).toMatch(/^CMD \["node", "dist\/cli.js", "start"\]$/m);
    expect(runtime).toMatch(/^COPY --from=build \/app\/dist \.\/dist$/m);
    expect(Object.keys(pkg.dependencies)).not.toContain("tsx");
  });

  it("the heap limit: npm start and the image run with package.json's config.heapMb, which an operator can raise", async () => {
    const { pkg, runtime } = await runSettings();
    expect(Number(pkg.config.heapMb)).toBeGreaterThanOrEqual(128);
    // The operator's own NODE_OPTIONS come after the default, so their --max-old-space-size wins.
    expect(pkg.scripts.start).toContain(
      'NODE_OPTIONS="--max-old-space-size=$npm_package_config_heapMb ${NODE_OPTIONS:-}" node dist/cli.js start',
    );
    expect(runtime).toMatch(new RegExp(`^ENV NODE_OPTIONS=--max-old-space-size=${pkg.config.heapMb}$`, "m"));
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
