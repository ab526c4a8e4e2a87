// Drugs — placeholder until the DailyMed sync lands.
import { placeholderView } from "./placeholder.js";

export const mount = placeholderView({
  title: "Drugs",
  description: "Drug labels from DailyMed with their NDC codes, ingredients and packaging.",
  icon: "drugs",
  emptyTitle: "No drugs yet",
  emptyMessage: "Drug labels appear here after the first DailyMed sync.",
  upcoming: [
    "Search by name or NDC code",
    "Filter by drug class",
    "See active ingredients, strengths and packaging",
    "Correct a label by hand and keep the change",
  ],
});
