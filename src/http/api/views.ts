// Saved worklist views with their counts (issue 10): personal views (anyone signed in, for themselves) and team views
// (made, renamed and deleted by the team's leads or an admin; seen by the team). A view is a name and the worklist's
// /api/requests query (filters and sort). Counts are one indexed count(*) each, as the person sees the requests
// ("assigned_to=me" is whoever looks); they carry no patient data, so listing is not audited. Changes are.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { ensure, requireUser } from "../../auth/guard.ts";
import { canAssignOthers, isAdmin, visibleTeams, type SessionUser } from "../../auth/permissions.ts";
import { AppError, notFound } from "../../errors.ts";
import { recordAudit } from "../../store/audit.ts";
import { uniqueViolation } from "../../store/pg-errors.ts";
import { countRequests } from "../../store/request-queries.ts";
import {
  createSavedView,
  deleteSavedView,
  getSavedView,
  listSavedViews,
  updateSavedView,
  type SavedView,
} from "../../store/saved-views.ts";
import { teamExists } from "../../store/teams.ts";
import type { AppDeps } from "../server.ts";
import { errorSchema } from "./common.ts";
import { listQuery, requestFilter } from "./requests.ts";

/** Parameters a view's query may not carry: they belong to one page, not to the view. */
const PAGE_PARAMS = ["cursor", "limit"];

/**
 * A view's query checked as /api/requests would check it, and written back without paging and in a stable order.
 * Throws 400 invalid_view_query with the first problem.
 */
export function parseViewQuery(text: string): { canonical: string; parsed: z.infer<typeof listQuery> } {
  const params = new URLSearchParams(text.startsWith("?") ? text.slice(1) : text);
  for (const k of PAGE_PARAMS) params.delete(k);
  const raw: Record<string, string | string[]> = {};
  for (const key of new Set(params.keys())) {
    const all = params.getAll(key);
    raw[key] = all.length === 1 ? all[0]! : all;
  }
  const result = listQuery.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new AppError(
      "invalid_view_query",
      `The view's filters are not valid: ${issue.path.join(".") || "query"}: ${issue.message}`,
      400,
    );
  }
  if (result.data.assigned_to && result.data.assigned_user_id) {
    throw new AppError("invalid_view_query", "The view's filters give assigned_to and assigned_user_id", 400);
  }
  params.sort();
  return { canonical: params.toString(), parsed: result.data };
}

const scopeSchema = z.enum(["personal", "team"]);

const viewSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  scope: scopeSchema,
  team: z.object({ id: z.uuid(), name: z.string() }).nullable().describe("The team a team view is shared with"),
  query: z.string().describe("The /api/requests query of the view (filters and sort)"),
  count: z
    .number()
    .int()
    .describe("How many requests the view holds now, as the caller sees them (at most 10,000: see countCapped)"),
  countCapped: z.boolean().describe("True when the view holds more than `count` requests (counting stops at 10,000)"),
  mayChange: z.boolean().describe("Whether the caller may rename, change or delete it"),
});

const nameSchema = z
  .string()
  .trim()
  .min(1, "Enter a name for the view")
  .max(60, "The name must be 60 characters or fewer");

const createBody = z.object({
  name: nameSchema,
  scope: scopeSchema.default("personal"),
  teamId: z.uuid().optional().describe("For a team view: the team it is shared with"),
  query: z.string().max(1000),
});

const changeBody = z.object({ name: nameSchema.optional(), query: z.string().max(1000).optional() });

/** May change (rename, re-filter, delete) the view: its owner; for a team view, that team's leads and admins. */
function mayChange(user: SessionUser, v: SavedView): boolean {
  if (v.ownerUserId) return v.ownerUserId === user.id;
  return canAssignOthers(user, v.teamId);
}

/** May see the view: its owner, or a member of its team (admins: every team). */
function maySee(user: SessionUser, v: SavedView): boolean {
  if (v.ownerUserId) return v.ownerUserId === user.id;
  return isAdmin(user) || (v.teamId !== null && user.teamIds.includes(v.teamId));
}

const nameTaken = (err: unknown): boolean => {
  const c = uniqueViolation(err);
  return c !== null && c.startsWith("saved_views_");
};
const takenError = () =>
  new AppError("view_name_taken", "There is already a view with that name: choose another name", 409);

/** The saved views routes. */
export const viewRoutes: FastifyPluginAsyncZod<AppDeps> = async (app, deps) => {
  const present = async (user: SessionUser, v: SavedView, now: Date): Promise<z.infer<typeof viewSchema>> => {
    const { parsed } = parseViewQuery(v.query);
    const { count, capped } = await countRequests(
      deps.db,
      requestFilter(parsed, user, now, deps.config.workflow.dueSoonMs),
    );
    return {
      id: v.id,
      name: v.name,
      scope: v.ownerUserId ? "personal" : "team",
      team: v.teamId && v.teamName ? { id: v.teamId, name: v.teamName } : null,
      query: v.query,
      count,
      countCapped: capped,
      mayChange: mayChange(user, v),
    };
  };

  app.get(
    "/api/views",
    {
      schema: {
        tags: ["Requests"],
        operationId: "listViews",
        summary: "The caller's saved worklist views (their own, then their teams'), each with its count now",
        response: { 200: z.array(viewSchema) },
      },
    },
    async (req) => {
      const user = requireUser(req);
      const now = new Date();
      const views = await listSavedViews(deps.db, user.id, visibleTeams(user));
      const out: z.infer<typeof viewSchema>[] = [];
      for (const v of views) out.push(await present(user, v, now));
      return out;
    },
  );

  app.post(
    "/api/views",
    {
      schema: {
        tags: ["Requests"],
        operationId: "createView",
        summary: "Save the current worklist filters as a view (personal, or for a team: its leads and admins)",
        body: createBody,
        response: { 201: viewSchema, 400: errorSchema, 403: errorSchema, 409: errorSchema },
      },
    },
    async (req, reply) => {
      const user = requireUser(req);
      const b = req.body;
      const { canonical } = parseViewQuery(b.query);
      if (b.scope === "team") {
        if (!b.teamId) throw new AppError("team_required", "Choose the team to share the view with", 400);
        ensure(canAssignOthers(user, b.teamId), "Only the team's leads and admins can share a view with the team");
        if (!(await teamExists(deps.db, b.teamId))) throw new AppError("unknown_team", "There is no such team", 400);
      }
      const created = await deps.db
        .transaction(async (tx) => {
          const v = await createSavedView(tx, {
            name: b.name,
            ownerUserId: b.scope === "personal" ? user.id : null,
            teamId: b.scope === "team" ? b.teamId! : null,
            query: canonical,
            createdBy: user.id,
          });
          await recordAudit(tx, {
            actorUserId: user.id,
            actorLabel: user.displayName,
            action: "view.created",
            details: { viewId: v.id, name: v.name, scope: b.scope, teamId: v.teamId, query: canonical },
            ip: req.ip,
          });
          return v;
        })
        .catch((err: unknown) => {
          throw nameTaken(err) ? takenError() : err;
        });
      reply.code(201);
      return present(user, created, new Date());
    },
  );

  const idParams = z.object({ id: z.uuid() });

  /** The view, when the caller may see it (else 404, as if it did not exist) and change it (else 403). */
  const loadForChange = async (user: SessionUser, id: string): Promise<SavedView> => {
    const v = await getSavedView(deps.db, id);
    if (!v || !maySee(user, v)) throw notFound("The view");
    ensure(mayChange(user, v), "Only the team's leads and admins can change a team's view");
    return v;
  };

  app.patch(
    "/api/views/:id",
    {
      schema: {
        tags: ["Requests"],
        operationId: "updateView",
        summary: "Rename a saved view or change its filters",
        params: idParams,
        body: changeBody,
        response: { 200: viewSchema, 400: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema },
      },
    },
    async (req) => {
      const user = requireUser(req);
      const before = await loadForChange(user, req.params.id);
      const query = req.body.query === undefined ? undefined : parseViewQuery(req.body.query).canonical;
      const updated = await deps.db
        .transaction(async (tx) => {
          const v = await updateSavedView(tx, before.id, { name: req.body.name, query });
          if (!v) throw notFound("The view");
          await recordAudit(tx, {
            actorUserId: user.id,
            actorLabel: user.displayName,
            action: "view.updated",
            details: {
              viewId: v.id,
              name: v.name,
              ...(v.name !== before.name ? { previousName: before.name } : {}),
              ...(v.query !== before.query ? { query: v.query, previousQuery: before.query } : {}),
            },
            ip: req.ip,
          });
          return v;
        })
        .catch((err: unknown) => {
          throw nameTaken(err) ? takenError() : err;
        });
      return present(user, updated, new Date());
    },
  );

  app.delete(
    "/api/views/:id",
    {
      schema: {
        tags: ["Requests"],
        operationId: "deleteView",
        summary: "Delete a saved view",
        params: idParams,
        response: { 204: z.null(), 403: errorSchema, 404: errorSchema },
      },
    },
    async (req, reply) => {
      const user = requireUser(req);
      const v = await loadForChange(user, req.params.id);
      await deps.db.transaction(async (tx) => {
        if (!(await deleteSavedView(tx, v.id))) throw notFound("The view");
        await recordAudit(tx, {
          actorUserId: user.id,
          actorLabel: user.displayName,
          action: "view.deleted",
          details: { viewId: v.id, name: v.name, scope: v.ownerUserId ? "personal" : "team", teamId: v.teamId },
          ip: req.ip,
        });
      });
      return reply.code(204).send(null);
    },
  );
};
