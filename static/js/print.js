// « Imprimer » buttons (data-print) open the browser's print dialog: the page's print
// style gives an A4 page without the navigation and the forms.
for (const button of document.querySelectorAll("[data-print]")) {
  button.addEventListener("click", () => window.print());
}
