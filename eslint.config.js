// Type-aware linting for every TypeScript file in the repo.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "node_modules/",
      "dist/",
      "web/dist/",
      "data/",
      "coverage/",
      "bench/results/",
      "bench/.build/",
      "test-results/",
      "**/*.js",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-floating-promises": "error",
      // Fastify plugins and hooks are async by convention even when they do not await.
      "@typescript-eslint/require-await": "off",
      "no-restricted-properties": [
        "error",
        { object: "process", property: "env", message: "Read configuration through src/config.ts only." },
      ],
    },
  },
  {
    // The emulator and src/ must stay independent of each other.
    files: ["src/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: ["**/sandbox/**"], message: "src/ never imports the emulator." }] },
      ],
    },
  },
  {
    // The web app (web/tsconfig.json: DOM and JSX) runs in the browser and talks to the server over HTTP only; the
    // modules of src/ it shares are the request vocabulary and the audit actions, which import nothing, and the types
    // of the audit details (import type: erased, so their zod schemas stay on the server) (test/boundaries.test.ts).
    files: ["web/**/*.{ts,tsx}"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: "(^|/)\\.\\./src/(?!requests/vocabulary\\.ts$|audit-actions\\.ts$|audit-details\\.ts$)",
              message:
                "The web app uses the HTTP API, not server code (only src/requests/vocabulary.ts and src/audit-actions.ts are shared, and the types of src/audit-details.ts).",
            },
            {
              regex: "(^|/)\\.\\./src/audit-details\\.ts$",
              allowTypeImports: true,
              message:
                "The web app takes only the types of src/audit-details.ts (import type): its schemas are server code.",
            },
            { group: ["**/sandbox/**"], message: "The web app uses the HTTP API, not server code." },
          ],
        },
      ],
    },
  },
  {
    // expect.any()/stringMatching() matchers are typed `any`.
    files: ["test/**/*.ts", "sandbox/test/**/*.ts"],
    rules: { "@typescript-eslint/no-unsafe-assignment": "off" },
  },
  {
    // The emulator's own configuration module is its one reader of the environment.
    files: ["sandbox/src/config.ts", "src/config.ts"],
    rules: { "no-restricted-properties": "off" },
  },
);
