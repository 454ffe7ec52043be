// « Copier le lien »: copies an invitation link to the clipboard. Without a clipboard
// (an http:// page other than localhost), the link is selected for Ctrl+C instead.
// The button stays hidden without JavaScript: the field can still be selected by hand.
for (const button of document.querySelectorAll("button[data-copy]")) {
  const field = document.getElementById(button.dataset.copy);
  const status = document.getElementById("copy-status");
  if (!field) continue;
  button.hidden = false;
  field.addEventListener("focus", () => field.select());
  button.addEventListener("click", async () => {
    field.focus();
    field.select();
    try {
      await navigator.clipboard.writeText(field.value);
      if (status) status.textContent = button.dataset.copied || "";
    } catch {
      // Selected above: the person copies it with the keyboard.
    }
  });
}
