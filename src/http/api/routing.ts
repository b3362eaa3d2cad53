// Routing rules: the ordered list, create/update/delete, reorder, and JSON export/import of the whole set. Admins only.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { adminOnly } from "../../auth/guard.ts";
import { prioritySchema, ruleConditionsSchema } from "../../domain/routing.ts";
import { AppError, notFound } from "../../errors.ts";
import type { Queryable } from "../../store/db.ts";
import { appendRule, replaceRules, type RuleInput } from "../../store/routing-rules.ts";
import {
  deleteRule,
  exportRules,
  getRuleView,
  listRuleViews,
  reorderRules,
  resolveImport,
  ruleReferenceProblems,
  rulesDocumentSchema,
  updateRule,
  type RuleView,
} from "../../store/routing-rules-admin.ts";
import type { AppDeps } from "../server.ts";
import { errorSchema } from "./common.ts";

const ruleSchema = z.object({
  id: z.uuid(),
  position: z.number().int(),
  name: z.string(),
  enabled: z.boolean(),
  conditions: ruleConditionsSchema,
  teamId: z.uuid(),
  teamName: z.string(),
  assignUserId: z.uuid().nullable(),
  assignUserName: z.string().nullable(),
  priority: prioritySchema.nullable(),
});

const ruleBody = z.object({
  name: z.string().trim().min(1).max(200),
  enabled: z.boolean().default(true),
  conditions: ruleConditionsSchema.default({}),
  teamId: z.uuid(),
  assignUserId: z.uuid().nullable().default(null),
  priority: prioritySchema.nullable().default(null).describe("Null keeps the default (normal)"),
});

const importErrorSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    problems: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});

const idParams = z.object({ id: z.uuid() });

/** Throws a 400 `invalid_rule` naming every missing team or user. */
async function checkReferences(db: Queryable, r: RuleInput): Promise<void> {
  const problems = await ruleReferenceProblems(db, r);
  if (problems.length > 0) throw new AppError("invalid_rule", problems.join("; "), 400);
}

const found = (rule: RuleView | null): RuleView => {
  if (!rule) throw notFound("Routing rule");
  return rule;
};

/** The routing rule routes. */
export const routingRoutes: FastifyPluginAsyncZod<AppDeps> = async (app, deps) => {
  const tags = ["Routing rules"];
  app.addHook("onRequest", adminOnly);

  app.get(
    "/api/routing-rules",
    {
      schema: {
        tags,
        operationId: "listRoutingRules",
        summary: "Every rule in evaluation order (the first enabled rule that applies wins)",
        response: { 200: z.array(ruleSchema) },
      },
    },
    async () => listRuleViews(deps.db),
  );

  app.post(
    "/api/routing-rules",
    {
      schema: {
        tags,
        operationId: "createRoutingRule",
        summary: "Add a rule at the end",
        body: ruleBody,
        response: { 201: ruleSchema, 400: errorSchema },
      },
    },
    async (req, reply) => {
      const rule = await deps.db.transaction(async (tx) => {
        await checkReferences(tx, req.body);
        const created = await appendRule(tx, req.body);
        return found(await getRuleView(tx, created.id));
      });
      return reply.status(201).send(rule);
    },
  );

  app.get(
    "/api/routing-rules/export",
    {
      schema: {
        tags,
        operationId: "exportRoutingRules",
        summary: "Export every rule as a JSON document (teams by name, users by email)",
        response: { 200: rulesDocumentSchema },
      },
    },
    async () => exportRules(deps.db),
  );

  app.post(
    "/api/routing-rules/import",
    {
      schema: {
        tags,
        operationId: "importRoutingRules",
        summary: "Replace every rule with those of an exported document",
        description:
          "Checks the whole document first (shape, conditions, team names, user emails) and answers 400 listing every problem; otherwise replaces all rules at once.",
        body: rulesDocumentSchema,
        response: { 200: z.array(ruleSchema), 400: importErrorSchema },
      },
      // Schema problems are reported together with unknown teams and users, by resolveImport.
      attachValidation: true,
    },
    async (req, reply) => {
      const outcome = await deps.db.transaction(async (tx) => {
        const resolved = await resolveImport(tx, req.body);
        if (!resolved.ok) return resolved;
        await replaceRules(tx, resolved.rules);
        return { ok: true as const, rules: await listRuleViews(tx) };
      });
      if (!outcome.ok) {
        const n = outcome.problems.length;
        return reply.status(400).send({
          error: {
            code: "invalid_import",
            message: `The document has ${n} problem${n === 1 ? "" : "s"}; nothing was changed`,
            problems: outcome.problems,
          },
        });
      }
      return outcome.rules;
    },
  );

  app.post(
    "/api/routing-rules/reorder",
    {
      schema: {
        tags,
        operationId: "reorderRoutingRules",
        summary: "Put the rules in a new order",
        description: "`ids` must list every rule exactly once (else 400 not_a_permutation).",
        body: z.object({ ids: z.array(z.uuid()).max(10_000) }),
        response: { 200: z.array(ruleSchema), 400: errorSchema },
      },
    },
    async (req) =>
      deps.db.transaction(async (tx) => {
        await reorderRules(tx, req.body.ids);
        return listRuleViews(tx);
      }),
  );

  app.get(
    "/api/routing-rules/:id",
    {
      schema: {
        tags,
        operationId: "getRoutingRule",
        summary: "One rule",
        params: idParams,
        response: { 200: ruleSchema, 404: errorSchema },
      },
    },
    async (req) => found(await getRuleView(deps.db, req.params.id)),
  );

  app.put(
    "/api/routing-rules/:id",
    {
      schema: {
        tags,
        operationId: "updateRoutingRule",
        summary: "Change a rule (it keeps its place)",
        params: idParams,
        body: ruleBody,
        response: { 200: ruleSchema, 400: errorSchema, 404: errorSchema },
      },
    },
    async (req) =>
      deps.db.transaction(async (tx) => {
        found(await getRuleView(tx, req.params.id));
        await checkReferences(tx, req.body);
        await updateRule(tx, req.params.id, req.body);
        return found(await getRuleView(tx, req.params.id));
      }),
  );

  app.delete(
    "/api/routing-rules/:id",
    {
      schema: {
        tags,
        operationId: "deleteRoutingRule",
        summary: "Delete a rule",
        description: "Requests it routed keep their team.",
        params: idParams,
        response: { 204: z.null(), 404: errorSchema },
      },
    },
    async (req, reply) => {
      if (!(await deleteRule(deps.db, req.params.id))) throw notFound("Routing rule");
      return reply.status(204).send(null);
    },
  );
};
