// Analytics — placeholder until analytics runs land.
import { placeholderView } from "./placeholder.js";

export const mount = placeholderView({
  title: "Analytics",
  description: "What the drug data says: NDC structure, classes, names and trends.",
  icon: "analytics",
  emptyTitle: "No analytics yet",
  emptyMessage: "Charts appear here after the first DailyMed sync and analytics run.",
  upcoming: [
    "NDC labeler prefixes, formats and shared codes",
    "Drugs per class and cross-classified drugs",
    "Brand and generic names, common prefixes and suffixes",
    "Labels published per month",
  ],
});
