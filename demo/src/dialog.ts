/** Modal forms and confirmations on a native <dialog>. */
import { h } from "./dom.js";
import { describeError } from "./errors.js";

export interface Field {
  name: string;
  label: string;
  type?: "text" | "number" | "select" | "password";
  value?: string;
  placeholder?: string;
  hint?: string;
  required?: boolean;
  options?: readonly (readonly [value: string, label: string])[];
  /** Fields sharing a row (e.g. amount + unit) get the same `group`. */
  group?: string;
}

export interface FormSpec {
  title: string;
  text?: string;
  fields: readonly Field[];
  submit: string;
  danger?: boolean;
  /**
   * Runs on submit; a thrown error is shown inside the dialog (which stays open so it can be
   * corrected). The dialog closes when it resolves.
   */
  onSubmit?: (values: Record<string, string>) => Promise<unknown> | unknown;
}

function control(f: Field): HTMLInputElement | HTMLSelectElement {
  if (f.type === "select") {
    const sel = h("select", { name: f.name, id: `f-${f.name}` });
    for (const [value, label] of f.options ?? []) sel.append(h("option", { value, selected: value === f.value }, label));
    return sel;
  }
  return h("input", {
    name: f.name, id: `f-${f.name}`, type: f.type ?? "text", value: f.value ?? "", placeholder: f.placeholder,
    required: f.required, min: f.type === "number" ? 0 : undefined, step: f.type === "number" ? "any" : undefined,
    spellcheck: "false",
  });
}

/** Shows a form; resolves with its values (after onSubmit succeeded), or undefined when cancelled. */
export function askForm(spec: FormSpec): Promise<Record<string, string> | undefined> {
  return new Promise((resolve) => {
    const errorBox = h("p", { class: "form-error", role: "alert", hidden: true });
    const rows: HTMLElement[] = [];
    const groups = new Map<string, HTMLElement>();
    for (const f of spec.fields) {
      const c = control(f);
      if (f.group && groups.has(f.group)) {
        groups.get(f.group)!.append(c);
        continue;
      }
      const wrap = h("div", { class: "inputs" }, c);
      if (f.group) groups.set(f.group, wrap);
      rows.push(h("label", { class: "field", for: `f-${f.name}` }, h("span", null, f.label), wrap, f.hint && h("small", null, f.hint)));
    }
    const submit = h("button", { type: "submit", class: spec.danger ? "btn btn-danger" : "btn btn-primary" }, spec.submit);
    const form: HTMLFormElement = h("form", { method: "dialog", class: "dialog-form" },
      h("h3", null, spec.title),
      spec.text && h("p", { class: "muted" }, spec.text),
      ...rows,
      errorBox,
      h("div", { class: "dialog-actions" },
        h("button", { type: "button", class: "btn", onclick: (): void => dialog.close() }, "Cancel"),
        submit),
    );
    const dialog: HTMLDialogElement = h("dialog", { class: "dialog" }, form);
    let result: Record<string, string> | undefined;
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const values: Record<string, string> = {};
      for (const [k, v] of new FormData(form)) values[k] = String(v).trim();
      submit.disabled = true;
      errorBox.hidden = true;
      try {
        await spec.onSubmit?.(values);
        result = values;
        dialog.close();
      } catch (err) {
        const { code, message } = describeError(err);
        errorBox.replaceChildren(h("code", { class: "err-code" }, code), " ", message);
        errorBox.hidden = false;
      } finally {
        submit.disabled = false;
      }
    });
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(result);
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

/** Asks a yes/no question; `onConfirm` errors are shown in the dialog. */
export async function confirmAction(title: string, text: string, submit: string, onConfirm: () => Promise<unknown>): Promise<boolean> {
  return (await askForm({ title, text, fields: [], submit, danger: true, onSubmit: onConfirm })) !== undefined;
}
