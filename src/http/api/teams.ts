// Teams (with members and workload) and staff users: what routing rules send requests to. Anyone signed in may list
// the teams; admins create and change teams and users; team leads manage the members of the teams they lead (and may
// list users, to add them).
import type { FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { setPassword, updateUserAccount } from "../../auth/accounts.ts";
import { adminOnly, ensure, requireUser } from "../../auth/guard.ts";
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from "../../auth/passwords.ts";
import { canManageTeam, isAdmin } from "../../auth/permissions.ts";
import { endUserSessions } from "../../auth/sessions.ts";
import { AppError, notFound } from "../../errors.ts";
import { describeHours, hoursProblems, type DayHours } from "../../domain/working-time.ts";
import { recordAudit } from "../../store/audit.ts";
import type { Queryable } from "../../store/db.ts";
import { readTeamHours, replaceTeamHours } from "../../store/deadlines.ts";
import { createUser, getUser, upsertMember } from "../../store/people.ts";
import { uniqueViolation } from "../../store/pg-errors.ts";
import {
  createTeamExclusive,
  listTeamViews,
  listUsers,
  removeMember,
  teamExists,
  updateTeam,
  type TeamView,
} from "../../store/teams.ts";
import type { AppDeps } from "../server.ts";
import { errorSchema } from "./common.ts";

const dayHoursSchema = z.object({
  weekday: z.number().int().min(1).max(7).describe("1 = Monday … 7 = Sunday"),
  opens: z.string().describe("HH:mm, UK clock"),
  closes: z.string().describe("HH:mm, UK clock, after opens"),
});

const teamSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  description: z.string(),
  autoAssign: z.boolean(),
  isDefault: z.boolean().describe("Requests no rule applies to go to the default team"),
  openCount: z.number().int().describe("Requests of this team in status open or in_progress"),
  workingHours: z
    .array(dayHoursSchema)
    .nullable()
    .describe("The team's working hours by weekday, UK clock; null = around the clock. Deadlines count them"),
  members: z.array(
    z.object({
      userId: z.uuid(),
      displayName: z.string(),
      email: z.string(),
      isLead: z.boolean(),
      capacity: z.number().int().nullable().describe("Most open requests at once; null = no cap"),
      available: z.boolean(),
      canWork: z.boolean().describe("Can take requests: an active account whose role works them (not a viewer)"),
      openCount: z.number().int().describe("Open or in-progress requests of this team assigned to them"),
    }),
  ),
});

const userSchema = z.object({
  id: z.uuid(),
  email: z.string(),
  displayName: z.string(),
  role: z.enum(["admin", "team_lead", "clerk", "viewer"]),
  active: z.boolean(),
});

const roleSchema = z.enum(["admin", "team_lead", "clerk", "viewer"]);
const passwordSchema = z
  .string()
  .min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`)
  .max(MAX_PASSWORD_LENGTH);
const teamName = z.string().trim().min(1).max(100);
const userParams = z.object({ id: z.uuid() });
const teamParams = z.object({ id: z.uuid() });
const memberParams = z.object({ id: z.uuid(), userId: z.uuid() });

/** Runs fn, turning a unique violation into a 409 `conflict` with a message for the constraint hit. */
async function conflictsAs409<T>(fn: () => Promise<T>, messages: Record<string, string>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const constraint = uniqueViolation(err);
    if (constraint === null) throw err;
    throw new AppError("conflict", messages[constraint] ?? "That would duplicate an existing record", 409);
  }
}

async function oneTeam(db: Queryable, id: string): Promise<TeamView> {
  const [team] = await listTeamViews(db, id);
  if (!team) throw notFound("Team");
  return team;
}

/** The team and user routes. */
export const teamRoutes: FastifyPluginAsyncZod<AppDeps> = async (app, deps) => {
  const tags = ["Teams and users"];
  /** Admins, and team leads for the teams they lead (the route's :id). */
  const teamManager = async (req: FastifyRequest): Promise<void> => {
    ensure(canManageTeam(requireUser(req), String((req.params as { id?: unknown }).id)));
  };

  app.get(
    "/api/teams",
    {
      schema: {
        tags,
        operationId: "listTeams",
        summary: "Every team with its members",
        response: { 200: z.array(teamSchema) },
      },
    },
    async () => listTeamViews(deps.db),
  );

  app.post(
    "/api/teams",
    {
      onRequest: adminOnly,
      schema: {
        tags,
        operationId: "createTeam",
        summary: "Create a team",
        description: "isDefault makes it the default team in place of the previous one.",
        body: z.object({
          name: teamName,
          description: z.string().max(1000).optional(),
          autoAssign: z.boolean().optional(),
          isDefault: z.boolean().optional(),
        }),
        response: { 201: teamSchema, 409: errorSchema },
      },
    },
    async (req, reply) => {
      const team = await conflictsAs409(
        () =>
          deps.db.transaction(async (tx) => {
            const id = await createTeamExclusive(tx, req.body);
            return oneTeam(tx, id);
          }),
        { teams_name_key: `A team named "${req.body.name}" already exists` },
      );
      return reply.status(201).send(team);
    },
  );

  app.patch(
    "/api/teams/:id",
    {
      onRequest: adminOnly,
      schema: {
        tags,
        operationId: "updateTeam",
        summary: "Change a team",
        params: teamParams,
        body: z.object({
          name: teamName.optional(),
          description: z.string().max(1000).optional(),
          autoAssign: z.boolean().optional(),
          isDefault: z.boolean().optional(),
        }),
        response: { 200: teamSchema, 404: errorSchema, 409: errorSchema },
      },
    },
    async (req) =>
      conflictsAs409(
        () =>
          deps.db.transaction(async (tx) => {
            if (!(await updateTeam(tx, req.params.id, req.body))) throw notFound("Team");
            return oneTeam(tx, req.params.id);
          }),
        { teams_name_key: `A team named "${req.body.name ?? ""}" already exists` },
      ),
  );

  app.put(
    "/api/teams/:id/hours",
    {
      onRequest: adminOnly,
      schema: {
        tags,
        operationId: "putTeamHours",
        summary: "Set a team's working hours",
        description:
          "The weekdays the team works and its hours on each (UK clock); null = around the clock. Deadlines of the " +
          "team's requests that are not done are recomputed at once (recomputed says how many moved). Audited.",
        params: teamParams,
        body: z.object({ hours: z.array(dayHoursSchema).max(7).nullable() }),
        response: {
          200: teamSchema.extend({ recomputed: z.number().int() }),
          400: errorSchema,
          404: errorSchema,
        },
      },
    },
    async (req) => {
      const hours = req.body.hours as DayHours[] | null;
      const problems = hours ? hoursProblems(hours) : [];
      if (problems.length > 0) {
        throw new AppError("invalid_hours", problems.join("; "), 400, true, { problems });
      }
      const actor = requireUser(req);
      return deps.db.transaction(async (tx) => {
        if (!(await teamExists(tx, req.params.id))) throw notFound("Team");
        const before = await readTeamHours(tx, req.params.id);
        const recomputed = await replaceTeamHours(tx, req.params.id, hours);
        await recordAudit(tx, {
          actorUserId: actor.id,
          actorLabel: actor.displayName,
          action: "team.hours_changed",
          details: { teamId: req.params.id, from: describeHours(before), to: describeHours(hours), recomputed },
          ip: req.ip,
        });
        return { ...(await oneTeam(tx, req.params.id)), recomputed };
      });
    },
  );

  app.put(
    "/api/teams/:id/members/:userId",
    {
      onRequest: teamManager,
      schema: {
        tags,
        operationId: "putTeamMember",
        summary: "Add a user to a team, or change their membership",
        description: "For admins and the team's leads.",
        params: memberParams,
        body: z.object({
          capacity: z.number().int().min(0).max(100_000).nullable().default(null),
          available: z.boolean().default(true),
          isLead: z.boolean().default(false),
        }),
        response: { 200: teamSchema, 404: errorSchema },
      },
    },
    async (req) =>
      deps.db.transaction(async (tx) => {
        if (!(await teamExists(tx, req.params.id))) throw notFound("Team");
        if (!(await getUser(tx, req.params.userId))) throw notFound("User");
        await upsertMember(tx, { teamId: req.params.id, userId: req.params.userId, ...req.body });
        return oneTeam(tx, req.params.id);
      }),
  );

  app.delete(
    "/api/teams/:id/members/:userId",
    {
      onRequest: teamManager,
      schema: {
        tags,
        operationId: "removeTeamMember",
        summary: "Remove a user from a team",
        description: "For admins and the team's leads.",
        params: memberParams,
        response: { 200: teamSchema, 404: errorSchema },
      },
    },
    async (req) => {
      if (!(await removeMember(deps.db, req.params.id, req.params.userId))) throw notFound("Team membership");
      return oneTeam(deps.db, req.params.id);
    },
  );

  app.get(
    "/api/users",
    {
      onRequest: async (req) => {
        const user = requireUser(req);
        ensure(isAdmin(user) || user.role === "team_lead");
      },
      schema: {
        tags,
        operationId: "listUsers",
        summary: "Every staff user",
        description: "For admins, and team leads (to add people to their teams).",
        response: { 200: z.array(userSchema) },
      },
    },
    async () => listUsers(deps.db),
  );

  app.post(
    "/api/users",
    {
      onRequest: adminOnly,
      schema: {
        tags,
        operationId: "createUser",
        summary: "Create a staff user",
        description:
          "The email is unique regardless of case. Without a password the person can sign in only with single sign-on.",
        body: z.object({
          email: z.email().max(320),
          displayName: z.string().trim().min(1).max(200),
          role: roleSchema,
          password: passwordSchema.optional(),
        }),
        response: { 201: userSchema, 409: errorSchema },
      },
    },
    async (req, reply) => {
      const { password, ...props } = req.body;
      const user = await conflictsAs409(
        () =>
          deps.db.transaction(async (tx) => {
            const created = await createUser(tx, props);
            if (password) await setPassword(tx, created.id, password);
            return created;
          }),
        { users_email_key: `A user with the email ${req.body.email} already exists` },
      );
      return reply.status(201).send(user);
    },
  );

  app.patch(
    "/api/users/:id",
    {
      onRequest: adminOnly,
      schema: {
        tags,
        operationId: "updateUser",
        summary: "Change a staff user: name, role, active, or set a new password",
        description:
          "A new role, switching the user off or a new password signs them out everywhere. Admins cannot switch themselves off or give up their own admin role (409 cannot_change_self).",
        params: userParams,
        body: z.object({
          displayName: z.string().trim().min(1).max(200).optional(),
          role: roleSchema.optional(),
          active: z.boolean().optional(),
          password: passwordSchema.optional(),
        }),
        response: { 200: userSchema, 400: errorSchema, 404: errorSchema, 409: errorSchema },
      },
    },
    async (req) => {
      const me = requireUser(req);
      const { password, ...patch } = req.body;
      if (req.params.id === me.id && (patch.active === false || (patch.role && patch.role !== "admin"))) {
        throw new AppError("cannot_change_self", "You cannot switch off your own account or your own admin role", 409);
      }
      return deps.db.transaction(async (tx) => {
        const user = await updateUserAccount(tx, req.params.id, patch);
        if (!user) throw notFound("User");
        if (password) {
          await setPassword(tx, user.id, password);
          if (user.id !== me.id) await endUserSessions(tx, user.id);
        }
        return user;
      });
    },
  );
};
