// Builds the staff web app into web/dist (served by src/http/web.ts). `npm run dev` runs Vite's dev server on :5173
// with /api (and /status, /health) proxied to a Rebook server on :3000.
import path from "node:path";
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig, type Plugin } from "vite";

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * nhsuk-frontend's compiled CSS loads the Frutiger web font from assets.nhs.uk (licensed to NHS domains only, and
 * blocked by our Content-Security-Policy) and points its icons at /assets/images/. Drop the @font-face rules (the
 * stack falls back to Arial, as the NHS design system intends), drop the Internet Explorer-only `@media screen\0` hacks
 * (which the CSS minifier rejects), and bundle the icons from the package instead.
 */
function dropIeHacks(css: string): string {
  let out = css;
  for (let at = out.indexOf("@media screen\\0"); at >= 0; at = out.indexOf("@media screen\\0")) {
    let depth = 0;
    let end = out.indexOf("{", at);
    for (; end < out.length; end++) {
      if (out[end] === "{") depth++;
      else if (out[end] === "}" && --depth === 0) break;
    }
    out = out.slice(0, at) + out.slice(end + 1);
  }
  return out;
}

function nhsukCss(): Plugin {
  return {
    name: "rebook-nhsuk-css",
    enforce: "pre",
    transform(code, id) {
      if (!id.includes("nhsuk-frontend") || !id.split("?")[0]!.endsWith(".css")) return null;
      return {
        code: dropIeHacks(code)
          .replace(/@font-face\{[^}]*\}/g, "")
          .replace(/url\(\/assets\/images\//g, "url(./assets/images/"),
        map: null,
      };
    },
  };
}

export default defineConfig({
  root: here,
  base: "/",
  plugins: [nhsukCss(), react()],
  build: {
    outDir: path.join(here, "dist"),
    emptyOutDir: true,
    assetsDir: "assets",
    sourcemap: true,
    // Keep the CSP strict: no inline data: scripts; small assets may still be inlined as data: images.
    assetsInlineLimit: 4096,
    chunkSizeWarningLimit: 400,
    rolldownOptions: {
      output: {
        // React and the router change far less often than the app: their own long-cached chunk.
        codeSplitting: {
          groups: [
            {
              name: "react",
              test: /node_modules[\\/](react|react-dom|react-router|scheduler|cookie|set-cookie-parser)[\\/]/,
            },
            { name: "vendor", test: /node_modules[\\/]/ },
          ],
        },
      },
    },
  },
  server: {
    port: 5173,
    proxy: {
      "/api": { target: "http://127.0.0.1:3000", changeOrigin: false },
      "/status": "http://127.0.0.1:3000",
      "/health": "http://127.0.0.1:3000",
    },
  },
});
