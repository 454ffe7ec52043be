// A page's one-shot confirmations ("Programme enregistré.") are true when the page
// opens, not all evening long: a live page such as the console stays open for hours.
// A confirmation leaves after a while, or at the first thing done on the page.
const FLASH_MS = 20000;

const flashes = [...document.querySelectorAll(".flash[data-expires]")];
if (flashes.length) {
  const clear = () => {
    flashes.forEach((flash) => flash.remove());
    document.removeEventListener("click", clear, true);
    document.removeEventListener("input", clear, true);
  };
  setTimeout(clear, FLASH_MS);
  document.addEventListener("click", clear, true);
  document.addEventListener("input", clear, true);
}
