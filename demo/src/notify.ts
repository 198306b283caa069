/** Toasts: short messages in the corner; errors show their code and one-line message. */
import { byId, h, icon, ICONS } from "./dom.js";
import { describeError } from "./errors.js";

function show(kind: "info" | "error", title: string, body: Node | string, ms: number): void {
  const box = byId("toasts");
  const toast: HTMLDivElement = h("div", { class: `toast toast-${kind}`, role: kind === "error" ? "alert" : "status" },
    h("div", { class: "toast-text" }, h("strong", null, title), h("div", null, body)),
    h("button", { class: "icon-btn", "aria-label": "Dismiss", onclick: (): void => toast.remove() }, icon(ICONS.x)),
  );
  box.appendChild(toast);
  while (box.children.length > 3) box.firstElementChild?.remove();
  setTimeout(() => toast.remove(), ms);
}

/** A success or information message. */
export function info(title: string, text = ""): void {
  show("info", title, text, 3000);
}

/** An error: `what` says what failed ("Upload of a.txt failed"); the error gives code and message. */
export function error(what: string, err: unknown): void {
  const { code, message } = describeError(err);
  show("error", what, h("span", null, h("code", { class: "err-code" }, code), " ", message), 9000);
}
