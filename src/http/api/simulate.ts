// The routing rule simulator (admins): where would past requests have gone under a draft rule set? Saves nothing.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { ensure, requireUser } from "../../auth/guard.ts";
import { isAdmin } from "../../auth/permissions.ts";
import { listRuleChoices, unseenConditions } from "../../store/routing-choices.ts";
import { resolveDraftRules, simulateRouting, SIMULATION_SAMPLES } from "../../store/routing-simulation.ts";
import type { AppDeps } from "../server.ts";
import { errorSchema } from "./common.ts";

const instant = z.iso
  .datetime({ offset: true })
  .transform((s) => new Date(s))
  .optional();

const teamRef = z.object({ id: z.uuid(), name: z.string() }).nullable();

const problemsSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    problems: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});

const valueSeenSchema = z.object({ value: z.string(), requests: z.number().int() });

/** POST /api/routing-rules/simulate and GET /api/routing-rules/choices. */
export const simulateRoutes: FastifyPluginAsyncZod<AppDeps> = async (app, deps) => {
  app.get(
    "/api/routing-rules/choices",
    {
      schema: {
        tags: ["Routing rules"],
        operationId: "listRoutingRuleChoices",
        summary: "The specialties (code and name), locations and appointment types Rebook has seen, for rules to pick",
        description:
          "Distinct values on the requests' appointments, each with how many requests had it, sorted by name. A rule keeps specialty codes (names can change); the editor shows the names.",
        response: {
          200: z.object({
            specialties: z.array(
              z.object({ code: z.string(), display: z.string().nullable(), requests: z.number().int() }),
            ),
            locations: z.array(valueSeenSchema),
            appointmentTypes: z.array(valueSeenSchema),
          }),
          401: errorSchema,
          403: errorSchema,
        },
      },
    },
    async (req) => {
      ensure(isAdmin(requireUser(req)), "Only admins can edit routing rules");
      return listRuleChoices(deps.db);
    },
  );

  app.post(
    "/api/routing-rules/simulate",
    {
      schema: {
        tags: ["Routing rules"],
        operationId: "simulateRoutingRules",
        summary: "Replay past requests through a draft rule set and compare with where they went (saves nothing)",
        description: `Each draft rule is in the export document's shape ({name, enabled?, conditions, team, assignUser?, priority?}) or by ids ({name, enabled?, conditions, teamId, assignUserId?, priority?}); every problem is reported at once (400 invalid_rules). Replays the newest \`limit\` routed requests received in [from, to) with the current default team; samples lists up to ${SIMULATION_SAMPLES} requests whose team would change.`,
        body: z.object({
          rules: z.array(z.unknown()).max(1000),
          from: instant.describe("ISO 8601 instant with offset: requests received at or after it"),
          to: instant.describe("ISO 8601 instant with offset: requests received before it"),
          limit: z.number().int().min(1).max(10_000).default(500),
        }),
        response: {
          200: z.object({
            total: z.number().int(),
            changed: z.number().int(),
            byTeam: z.array(
              z.object({
                teamId: z.uuid().nullable(),
                teamName: z.string(),
                current: z.number().int(),
                simulated: z.number().int(),
              }),
            ),
            samples: z.array(
              z.object({
                requestId: z.uuid(),
                receivedAt: z.date(),
                currentTeam: teamRef,
                simulatedTeam: teamRef,
                rule: z.object({ position: z.number().int(), name: z.string() }).nullable(),
              }),
            ),
            unseen: z
              .array(
                z.object({
                  rule: z.object({ position: z.number().int(), name: z.string() }),
                  condition: z.enum(["specialtyCodes", "locations", "appointmentTypes"]),
                  value: z.string(),
                  message: z.string(),
                }),
              )
              .describe("The enabled rules' condition values that no request Rebook has seen has"),
          }),
          400: problemsSchema,
          401: errorSchema,
          403: errorSchema,
        },
      },
    },
    async (req, reply) => {
      ensure(isAdmin(requireUser(req)), "Only admins can simulate routing rules");
      const resolved = await resolveDraftRules(deps.db, req.body.rules);
      if (!resolved.ok) {
        const n = resolved.problems.length;
        return reply.status(400).send({
          error: {
            code: "invalid_rules",
            message: `The draft has ${n} problem${n === 1 ? "" : "s"}`,
            problems: resolved.problems,
          },
        });
      }
      const result = await simulateRouting(deps.db, {
        rules: resolved.rules,
        from: req.body.from,
        to: req.body.to,
        limit: req.body.limit,
      });
      return { ...result, unseen: unseenConditions(resolved.rules, await listRuleChoices(deps.db)) };
    },
  );
};
