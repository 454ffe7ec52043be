// Renders the session timer. The server owns the deadline (ends_at, epoch ms);
// each client counts down locally, corrected by its clock offset to the server.

export function remainingMs(timer, now) {
  if (timer.state === "running") return Math.max(0, timer.ends_at - now);
  if (timer.state === "paused") return Math.max(0, timer.remaining_ms);
  return timer.duration_ms || 0;
}

export function formatDuration(ms) {
  const total = Math.ceil(ms / 1000);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const mm = String(minutes).padStart(hours ? 2 : 1, "0");
  const ss = String(seconds).padStart(2, "0");
  return hours ? `${hours}:${mm}:${ss}` : `${mm}:${ss}`;
}

// Keep `element` showing the timer of `store`; returns a function that re-renders now.
export function mountTimer(element, store) {
  if (!element) return () => {};
  const render = () => {
    const { timer } = store.state;
    const ms = remainingMs(timer, store.now());
    element.textContent = timer.duration_ms || timer.state !== "stopped" ? formatDuration(ms) : "";
    element.dataset.state = timer.state;
    element.classList.toggle("timer--ending", timer.state === "running" && ms <= 60000);
    element.classList.toggle("timer--over", timer.state === "running" && ms === 0);
  };
  setInterval(render, 250);
  render();
  return render;
}
