// Admins see whose sign-in is being slowed by failed attempts, and lift it (after checking it is really them, e.g. by
// phone): every counter and delay on that account, from every address, goes; the lift is audited.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { accountHasher } from "../../auth/account-key.ts";
import { adminOnly, requireUser } from "../../auth/guard.ts";
import { accountDelays, unlockAccount } from "../../auth/throttle.ts";
import { notFound } from "../../errors.ts";
import { recordAudit } from "../../store/audit.ts";
import { getUser } from "../../store/people.ts";
import { listUsers } from "../../store/teams.ts";
import type { AppDeps } from "../server.ts";
import { errorSchema } from "./common.ts";

/** The sign-in delay routes. */
export const signInAdminRoutes: FastifyPluginAsyncZod<AppDeps> = async (app, deps) => {
  const tags = ["Teams and users"];
  const { db, config } = deps;
  const policy = config.auth.throttle;

  app.get(
    "/api/users/sign-in-delays",
    {
      onRequest: adminOnly,
      schema: {
        tags,
        operationId: "listSignInDelays",
        summary: "Users whose sign-in is being slowed by failed attempts",
        description:
          "Users with failed sign-ins counted (LOGIN_THROTTLE_WINDOW_MINUTES): the most failures from one address or in all, and until when the next attempt must wait (null when it need not).",
        response: {
          200: z.array(
            z.object({
              userId: z.uuid(),
              failures: z.number().int(),
              blockedUntil: z.date().nullable(),
            }),
          ),
        },
      },
    },
    async () => {
      const hasher = await accountHasher(db);
      const users = await listUsers(db);
      const byAccount = new Map(users.map((u) => [hasher.full(u.email), u.id]));
      const delays = await accountDelays(db, [...byAccount.keys()], policy);
      return delays.map((d) => ({
        userId: byAccount.get(d.account)!,
        failures: d.failures,
        blockedUntil: d.blockedUntil,
      }));
    },
  );

  app.post(
    "/api/users/:id/sign-in/unlock",
    {
      onRequest: adminOnly,
      schema: {
        tags,
        operationId: "unlockSignIn",
        summary: "Lift the delays on a user's sign-in (from every address)",
        description: "Audited as user.sign_in_unlocked. `unlocked` is false when there was nothing to lift.",
        params: z.object({ id: z.uuid() }),
        response: { 200: z.object({ unlocked: z.boolean() }), 404: errorSchema },
      },
    },
    async (req) => {
      const admin = requireUser(req);
      const user = await getUser(db, req.params.id);
      if (!user) throw notFound("User");
      const account = (await accountHasher(db)).full(user.email);
      const unlocked = await db.transaction(async (tx) => {
        const lifted = await unlockAccount(tx, account);
        await recordAudit(tx, {
          actorUserId: admin.id,
          actorLabel: admin.displayName,
          action: "user.sign_in_unlocked",
          details: { userId: user.id, lifted },
          ip: req.ip,
        });
        return lifted;
      });
      return { unlocked };
    },
  );
};
