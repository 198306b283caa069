/** The connect panel: server URL, optional user/password or token, connect/disconnect and a status pill. */
import { connect, type ConnectionOptions } from "nats.ws";
import { objectStoreManager } from "nats-objectstore-web";
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
  const auth = h("select", { name: "auth", "aria-label": "Authentication" },
    h("option", { value: "none" }, "No auth"), h("option", { value: "user" }, "User + password"), h("option", { value: "token" }, "Token"));
  const user = h("input", { name: "user", autocomplete: "username", placeholder: "user", "aria-label": "User", hidden: true });
  const pass = h("input", { name: "pass", type: "password", autocomplete: "current-password", placeholder: "password", "aria-label": "Password", hidden: true });
  const token = h("input", { name: "token", type: "password", autocomplete: "off", placeholder: "token", "aria-label": "Token", hidden: true });
  const button = h("button", { type: "submit", class: "btn btn-primary btn-sm", id: "connect-btn" }, "Connect");
  const pill = h("span", { class: "pill", id: "conn-status", "data-state": "offline" }, "offline");
  form.append(pill, url, auth, user, pass, token, button);

  const setPill = (state: PillState, text: string = state) => {
    pill.dataset.state = state;
    pill.textContent = text;
    pill.title = state === "online" ? `Connected to ${app.nc?.getServer() ?? ""}` : "";
  };
  const showAuth = () => {
    user.hidden = pass.hidden = auth.value !== "user";
    token.hidden = auth.value !== "token";
  };
  auth.addEventListener("change", showAuth);

  async function open(): Promise<void> {
    const opts: ConnectionOptions = { servers: url.value.trim(), name: "object-store-demo", maxReconnectAttempts: -1, timeout: 5000 };
    if (auth.value === "user") Object.assign(opts, { user: user.value, pass: pass.value });
    if (auth.value === "token") opts.token = token.value;
    setPill("connecting", "connecting…");
    button.disabled = true;
    try {
      const nc = await connect(opts);
      app.nc = nc;
      app.manager = objectStoreManager(nc);
      rememberServer(url.value.trim());
      void useServiceWorker(url.value.trim(), opts);
      setPill("online", `connected · nats-server ${nc.info?.version ?? ""}`);
      button.textContent = "Disconnect";
      void followStatus(nc);
      void nc.closed().then((err) => {
        if (app.nc !== nc) return;
        app.nc = app.manager = app.store = undefined;
        setPill("offline");
        button.textContent = "Connect";
        if (err) notify.error("Connection closed", err);
        app.emit("connection");
      });
      app.emit("connection");
    } catch (err) {
      setPill("offline");
      notify.error(`Cannot connect to ${url.value}`, explainConnectError(err));
    } finally {
      button.disabled = false;
    }
  }

  async function followStatus(nc: NonNullable<typeof app.nc>): Promise<void> {
    try {
      for await (const s of nc.status()) {
        if (app.nc !== nc) return;
        if (s.type === "disconnect" || s.type === "reconnecting") setPill("reconnecting", "reconnecting…");
        else if (s.type === "reconnect") setPill("online", "connected");
        else if (s.type === "error") console.warn("nats:", errorText(s.data));
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

/**
 * Browsers give a failed WebSocket no reason, so nats.ws can only say "unknown error": say what it
 * most likely means instead. Server answers (e.g. `AUTHORIZATION_VIOLATION`) pass through.
 */
function explainConnectError(err: unknown): ReadableError {
  const e = describeError(err);
  if (e.code === "UNKNOWN_ERROR" || e.code === "CONNECTION_REFUSED" || e.code === "CONNECTION_TIMEOUT") {
    return {
      code: e.code === "CONNECTION_TIMEOUT" ? e.code : "CONNECTION_REFUSED",
      message: "no NATS server answered at this URL. Is nats-server running with a websocket { } listener on that port?",
    };
  }
  return e;
}
