// A form's status line that says only what is still true: a confirmation ("your idea
// is posted") goes after a while or as soon as the form is typed in again; an error
// stays until the form is typed in.
const OK_MESSAGE_MS = 8000; // how long a confirmation stays when nobody types

// `say(text, kind)` shows a message ("ok" or "error"); `say("")` clears it.
export function formMessage(form, element) {
  let timer = null;
  const say = (text, kind = "ok") => {
    clearTimeout(timer);
    element.textContent = text;
    element.dataset.kind = kind;
    if (text && kind === "ok") timer = setTimeout(() => say(""), OK_MESSAGE_MS);
  };
  form.addEventListener("input", () => { if (element.textContent) say(""); });
  return say;
}
