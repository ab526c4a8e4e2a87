// Chart.js for the views that draw charts, loaded on first use from the vendored UMD build
// (static/vendor/chart.umd.min.js; `npm run vendor` refreshes it). A classic <script> from our
// own origin, so the strict CSP (script-src 'self') is satisfied and no CDN is involved.
const CHART_URL = new URL("../vendor/chart.umd.min.js", import.meta.url).href;

let loading = null;

/** Resolves with the Chart constructor. */
export function loadChart() {
  if (window.Chart) return Promise.resolve(window.Chart);
  if (!loading) {
    loading = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = CHART_URL;
      script.async = true;
      script.dataset.vendor = "chart.js";
      script.addEventListener("load", () => (window.Chart ? resolve(window.Chart) : reject(new Error("Chart.js did not load."))));
      script.addEventListener("error", () => {
        loading = null; // let a later visit try again
        script.remove();
        reject(new Error("The chart library couldn't be loaded."));
      });
      document.head.append(script);
    });
  }
  return loading;
}

/** Colours shared by charts and their legends (Tailwind's palette, as hex for the canvas). */
export const OUTCOME_COLORS = {
  completed: "#10b981", // emerald-500
  failed: "#ef4444", // red-500
  cancelled: "#f59e0b", // amber-500
  interrupted: "#f97316", // orange-500
  running: "#0ea5e9", // sky-500
  queued: "#94a3b8", // slate-400
};
