// Who is signed in. Loads /api/auth/me once; sign-in and sign-out go through here; when any API call answers 401 the
// session is over: the person is sent to sign in with a message and brought back to where they were.
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { ApiError, get, onSessionEnded, post, setCsrfToken } from "../api/client.ts";
import type { Me } from "../api/types.ts";
import { clearDrafts } from "../components/drafts.ts";

export type SignedOutReason = "expired" | "signed_out" | null;

interface AuthState {
  /** undefined while the first /me is in flight. */
  user: Me | null | undefined;
  /** Why the person is signed out, for the sign-in page's message. */
  reason: SignedOutReason;
  /** True when this server has no sign-in API yet (404 on /api/auth/me). */
  unavailable: boolean;
  signIn: (email: string, password: string) => Promise<Me>;
  signOut: () => Promise<void>;
  /** Re-reads /me (e.g. after a role change, or when the live stream says the session ended). */
  refresh: () => Promise<void>;
}

const Ctx = createContext<AuthState | null>(null);

interface MeResponse {
  user: Me;
  csrfToken: string;
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<Me | null | undefined>(undefined);
  const [reason, setReason] = useState<SignedOutReason>(null);
  const [unavailable, setUnavailable] = useState(false);
  const signedIn = useRef(false);
  signedIn.current = Boolean(user);

  const refresh = useCallback(async () => {
    try {
      const me = await get<MeResponse>("/api/auth/me", { quiet401: true });
      setCsrfToken(me.csrfToken);
      setUser(me.user);
      setUnavailable(false);
    } catch (err) {
      setCsrfToken(null);
      if (signedIn.current) setReason("expired");
      setUser(null);
      if (err instanceof ApiError && err.status === 404) setUnavailable(true);
    }
  }, []);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  useEffect(
    () =>
      onSessionEnded(() => {
        setCsrfToken(null);
        if (signedIn.current) setReason("expired");
        setUser(null);
      }),
    [],
  );

  const signIn = useCallback(async (email: string, password: string) => {
    const r = await post<MeResponse>("/api/auth/login", { email, password }, { quiet401: true });
    setCsrfToken(r.csrfToken);
    setReason(null);
    setUser(r.user);
    return r.user;
  }, []);

  const signOut = useCallback(async () => {
    try {
      await post("/api/auth/logout", {}, { quiet401: true });
    } catch {
      // Signed out either way: the cookie is HTTP-only and the server ends the session when it can.
    }
    // Signing out on purpose leaves nothing typed behind in the tab (a session that merely ended keeps its drafts).
    clearDrafts();
    setCsrfToken(null);
    setReason("signed_out");
    setUser(null);
  }, []);

  const value = useMemo(
    () => ({ user, reason, unavailable, signIn, signOut, refresh }),
    [user, reason, unavailable, signIn, signOut, refresh],
  );
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

/** The auth state; only inside AuthProvider. */
export function useAuth(): AuthState {
  const c = useContext(Ctx);
  if (!c) throw new Error("useAuth outside AuthProvider");
  return c;
}

/** The signed-in person (only under RequireAuth). */
export function useMe(): Me {
  const { user } = useAuth();
  if (!user) throw new Error("useMe while signed out");
  return user;
}
