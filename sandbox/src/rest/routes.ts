// PKB's custom REST API under /json (user access token): messages after a point, and user details.

import type { FastifyInstance, FastifyReply } from "fastify";
import { z } from "zod";
import { userTokenGuard } from "../bearer.ts";
import type { SandboxState } from "../context.ts";
import { fhirOutcome, pkbOutcome } from "../outcome.ts";
import type { Session } from "../sessions.ts";
import { parseAfterPoint } from "./after.ts";
import { conversationJson, userJson } from "./serialise.ts";

const afterParams = z.object({ date: z.string() });
const userParams = z.object({ id: z.string() });

function sessionOf(request: { pkbSession: Session | null }): Session {
  if (!request.pkbSession) throw new Error("user token guard did not run");
  return request.pkbSession;
}

/** Registers /json routes (call inside a plugin with prefix "/json"). */
export function registerRestRoutes(app: FastifyInstance, state: SandboxState): void {
  const { world } = state;
  app.decorateRequest("pkbSession", null);
  app.addHook("onRequest", userTokenGuard(state));
  app.setNotFoundHandler((_request, reply) => reply.code(404).send(fhirOutcome("not-found", "no such endpoint")));

  app.get("/messages/after/:date", (request, reply) => {
    const { date } = afterParams.parse(request.params);
    const after = parseAfterPoint(date);
    if (after === null) {
      const text = "expected a date (YYYY-MM-DD), an ISO 8601 timestamp or epoch milliseconds";
      return reply.code(400).send(fhirOutcome("invalid", text));
    }
    const session = sessionOf(request);
    const slices = world.conversationsAfter(session.userPkbId, after);
    return reply.send(slices.map((s) => conversationJson(world, s)));
  });

  const sendUser = (reply: FastifyReply, session: Session, id: string) => {
    const user = world.user(id);
    if (!user) return reply.code(404).send(fhirOutcome("not-found", `no user with id ${id}`));
    if (session.scope === "PATIENT" && id !== session.userPkbId) {
      return reply.code(403).send(pkbOutcome("forbidden", "NO_CONSENT", "a patient may only read their own details"));
    }
    return reply.send(userJson(user, world.dataset.organisation.name));
  };

  app.get("/v1/users/:id", (request, reply) => {
    const { id } = userParams.parse(request.params);
    return sendUser(reply, sessionOf(request), id);
  });

  app.get("/users/self", (request, reply) => {
    const session = sessionOf(request);
    return sendUser(reply, session, session.userPkbId);
  });
}
