// Runs — placeholder until the job engine lands (issue 3): run history table and
// duration / outcome chart will replace this module.
import { placeholderView } from "./placeholder.js";

export const mount = placeholderView({
  title: "Runs",
  description: "Every sync and analytics run: when, how long, what it found, how it ended.",
  icon: "runs",
  emptyTitle: "No runs yet",
  emptyMessage: "Run history fills after the first sync.",
  upcoming: [
    "Status, duration and record counts for each run",
    "Filter by source and outcome",
    "A chart of durations and outcomes over time",
    "Error details for failed runs",
  ],
});
