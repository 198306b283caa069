/**
 * The connect panel: server URL, the client (v3 `wsconnect` or nats.ws), optional user/password or
 * token, connect/disconnect and a status pill that names the server version and the client.
 */
import { objectStoreManager } from "nats-objectstore-web";
import { clientId, clientLabel, CLIENTS, connectWith, DEFAULT_CLIENT, type DemoConnectOptions, type DemoConnection } from "./clients.js";
import { initialServer, rememberServer } from "./config.js";
import { byId, h } from "./dom.js";
import { describeError, errorText, type ReadableError } from "./errors.js";
import * as notify from "./notify.js";
import { useServiceWorker } from "./service-worker.js";
import { app } from "./state.js";

type PillState = "offline" | "connecting" | "online" | "reconnecting";

export function mountConnection(): void {
  const form = byId<HTMLFormElement>("connect-form");
  const start = initialServer();
  const url = h("input", { name: "server", type: "url", value: start.url, "aria-label": "Server URL", placeholder: "ws://host:port", required: true, spellcheck: "false" });
  const client = h("select", { name: "client", "aria-label": "Client", title: "The NATS client the page connects with" },
    ...CLIENTS.map((c) => h("option", { value: c.id, selected: c.id === start.client }, c.label)));
  const auth = h("select", { name: "auth", "aria-label": "Authentication" },
    h("option", { value: "none" }, "No auth"), h("option", { value: "user" }, "User + password"), h("option", { value: "token" }, "Token"));
  const user = h("input", { name: "user", autocomplete: "username", placeholder: "user", "aria-label": "User", hidden: true });
  const pass = h("input", { name: "pass", type: "password", autocomplete: "current-password", placeholder: "password", "aria-label": "Password", hidden: true });
  const token = h("input", { name: "token", type: "password", autocomplete: "off", placeholder: "token", "aria-label": "Token", hidden: true });
  const button = h("button", { type: "submit", class: "btn btn-primary btn-sm", id: "connect-btn" }, "Connect");
  const pill = h("span", { class: "pill", id: "conn-status", "data-state": "offline" }, "offline");
  form.append(pill, url, client, auth, user, pass, token, button);

  const setPill = (state: PillState, text: string = state) => {
    pill.dataset.state = state;
    pill.textContent = text;
    const via = app.client ? clientLabel(app.client) : "";
    pill.dataset.client = state === "offline" ? "" : (app.client ?? "");
    pill.title = state === "online" && app.nc ? `Connected to ${app.nc.getServer()} with ${via}` : "";
  };
  /** `connected · nats-server 2.15.3 · v3 wsconnect`. */
  const online = (nc: DemoConnection) =>
    setPill("online", `connected · nats-server ${nc.info?.version ?? "?"} · ${clientLabel(app.client ?? DEFAULT_CLIENT)}`);
  const showAuth = () => {
    user.hidden = pass.hidden = auth.value !== "user";
    token.hidden = auth.value !== "token";
  };
  auth.addEventListener("change", showAuth);

  async function open(): Promise<void> {
    const chosen = clientId(client.value) ?? DEFAULT_CLIENT;
    const opts: DemoConnectOptions = { servers: url.value.trim(), name: "object-store-demo", maxReconnectAttempts: -1, timeout: 5000 };
    if (auth.value === "user") Object.assign(opts, { user: user.value, pass: pass.value });
    if (auth.value === "token") opts.token = token.value;
    app.client = chosen;
    setPill("connecting", `connecting · ${clientLabel(chosen)}…`);
    button.disabled = client.disabled = true;
    try {
      const nc = await connectWith(chosen, opts);
      app.nc = nc;
      app.manager = objectStoreManager(nc);
      rememberServer(url.value.trim(), chosen);
      void useServiceWorker(url.value.trim(), chosen, opts);
      online(nc);
      button.textContent = "Disconnect";
      void followStatus(nc);
      void nc.closed().then((err) => {
        if (app.nc !== nc) return;
        app.nc = app.manager = app.store = app.client = undefined;
        setPill("offline");
        button.textContent = "Connect";
        client.disabled = false;
        if (err) notify.error("Connection closed", err);
        app.emit("connection");
      });
      app.emit("connection");
    } catch (err) {
      app.client = undefined;
      setPill("offline");
      client.disabled = false;
      notify.error(`Cannot connect to ${url.value} with ${clientLabel(chosen)}`, explainConnectError(err));
    } finally {
      button.disabled = false;
    }
  }

  /**
   * Follows reconnects. Both clients send `{ type: "disconnect" | "reconnecting" | "reconnect" |
   * "error", … }`; an error is in `data` (nats.ws) or `error` (v3).
   */
  async function followStatus(nc: DemoConnection): Promise<void> {
    try {
      for await (const s of nc.status()) {
        if (app.nc !== nc) return;
        if (s.type === "disconnect" || s.type === "reconnecting") setPill("reconnecting", "reconnecting…");
        else if (s.type === "reconnect") online(nc);
        else if (s.type === "error") {
          const e = s as { data?: unknown; error?: unknown };
          console.warn("nats:", errorText(e.error ?? e.data));
        }
      }
    } catch {
      // the connection closed
    }
  }

  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    if (app.nc) void app.nc.close();
    else void open();
  });
  if (start.autoConnect) void open();
}

/** What each client throws when no NATS server answers (nats.ws codes; v3 `ConnectionError`, `TimeoutError`, errors.ts). */
const NO_SERVER = new Set(["UNKNOWN_ERROR", "CONNECTION_REFUSED", "CONNECTION_ERROR", "CONNECTION_TIMEOUT", "TIMEOUT"]);

/**
 * Browsers give a failed WebSocket no reason, so nats.ws can only say "unknown error" and v3 a bare
 * `ConnectionError`: say what it most likely means instead. Server answers (e.g.
 * `AUTHORIZATION_VIOLATION`, v3's `AuthorizationError`) pass through.
 */
function explainConnectError(err: unknown): ReadableError {
  const e = describeError(err);
  if (NO_SERVER.has(e.code)) {
    const timedOut = e.code === "CONNECTION_TIMEOUT" || e.code === "TIMEOUT";
    return {
      code: timedOut ? "CONNECTION_TIMEOUT" : "CONNECTION_REFUSED",
      message: "no NATS server answered at this URL. Is nats-server running with a websocket { } listener on that port?",
    };
  }
  return e;
}
