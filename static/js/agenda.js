// Agenda editor: add, remove and reorder rows; the form posts as plain HTML.
import { $ } from "./dom.js";

const rows = $("#agenda-rows");
$("#add-step").addEventListener("click", () => {
  rows.append($("#agenda-row").content.cloneNode(true));
  rows.lastElementChild.querySelector("input[name=title]").focus();
});
rows.addEventListener("click", (event) => {
  const button = event.target.closest("button");
  if (!button) return;
  const row = button.closest("tr");
  if (button.dataset.remove !== undefined) {
    row.remove();
  } else if (button.dataset.move === "-1" && row.previousElementSibling) {
    row.previousElementSibling.before(row);
    button.focus();
  } else if (button.dataset.move === "1" && row.nextElementSibling) {
    row.nextElementSibling.after(row);
    button.focus();
  }
});
