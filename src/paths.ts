// Where Rebook's files are, whether it runs from its TypeScript sources (src/, under tsx: tests, development) or from
// the compiled JavaScript (dist/, `npm start` and the container image; bench/.build/ for the benchmark).
import { existsSync } from "node:fs";
import path from "node:path";

/** The nearest directory at or above `from` holding a package.json. */
export function packageRootFrom(from: string): string {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "package.json"))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`No package.json at or above ${from}`);
  }
}

/** Rebook's own directory: the checkout, or the image's /app. */
export const PACKAGE_ROOT = packageRootFrom(import.meta.dirname);

/** The SQL migrations. They are read from the sources' folder by the compiled code too: one copy, never stale. */
export const MIGRATIONS_DIR = path.join(PACKAGE_ROOT, "src/store/migrations");
