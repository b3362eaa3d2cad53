import { defineConfig } from "vitest/config";

// Everything runs with the process in Europe/London (unlike the UTC servers it usually runs on), and the pure time
// rules and the store run again in UTC: no result may depend on the host's zone.
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: "london",
          include: ["test/**/*.test.ts", "sandbox/test/**/*.test.ts"],
          env: { TZ: "Europe/London" },
        },
      },
      {
        extends: true,
        test: {
          name: "utc",
          include: [
            "test/domain/**/*.test.ts",
            "test/requests/rules.test.ts",
            "test/workflow/wait-clock-changes.test.ts",
            "test/web/**/*.test.ts",
          ],
          env: { TZ: "UTC" },
        },
      },
    ],
  },
});
