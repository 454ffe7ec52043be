// Deliberation pages (a committee's meeting, a cycle's jury) follow the grades as they
// come in, without a reload: every `data-live-every` seconds, while the page is
// visible, the page is fetched again and each read-only part marked `data-live` (with
// an id) takes its new version. Forms are never part of one, so a decision being typed
// stays as it is. When the parts themselves changed (a project added to or taken off
// the agenda), a note asks for a reload instead. The status line says when the results
// were last brought up to date.
const root = document.querySelector("[data-live-every]");

function partsOf(doc) {
  return new Map([...doc.querySelectorAll("[data-live][id]")].map((part) => [part.id, part]));
}

function sameKeys(a, b) {
  return a.size === b.size && [...a.keys()].every((key) => b.has(key));
}

// Replace `old` with `fresh` (from the fetched page), keeping which <details> were open.
function swap(old, fresh) {
  const open = [...old.querySelectorAll("details")].map((details) => details.open);
  const copy = document.importNode(fresh, true);
  [...copy.querySelectorAll("details")].forEach((details, index) => {
    details.open = Boolean(open[index]);
  });
  old.replaceWith(copy);
}

if (root) {
  // The server gives the interval, already at its floor (views/common.py).
  const every = Number(root.dataset.liveEvery) * 1000;
  const status = root.querySelector("[data-live-status]");
  const say = (text) => {
    if (status) status.textContent = text;
  };
  let stale = false;

  async function refresh() {
    if (stale || document.visibilityState !== "visible") return;
    let html;
    try {
      const response = await fetch(window.location.href, {
        credentials: "same-origin",
        headers: { Accept: "text/html" },
        cache: "no-store",
      });
      // Signed out (sent to the sign-in page), or gone: the next visit says why.
      if (!response.ok || response.redirected) return;
      html = await response.text();
    } catch {
      return; // offline for a moment: the next tick tries again
    }
    const fetched = new DOMParser().parseFromString(html, "text/html");
    const now = partsOf(document);
    const next = partsOf(fetched);
    if (!sameKeys(now, next)) {
      stale = true;
      say(root.dataset.liveChanged || "");
      return;
    }
    for (const [id, part] of now) {
      const fresh = next.get(id);
      if (fresh.outerHTML !== part.outerHTML) swap(part, fresh);
    }
    const time = new Date().toLocaleTimeString(document.documentElement.lang || undefined, {
      hour: "2-digit", minute: "2-digit", second: "2-digit",
    });
    say((root.dataset.liveUpdated || "").replace("%(time)s", time));
  }

  window.setInterval(refresh, every);
  document.addEventListener("visibilitychange", refresh);
}
