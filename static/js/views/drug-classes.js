// Drug classes — placeholder until the DailyMed sync lands.
import { placeholderView } from "./placeholder.js";

export const mount = placeholderView({
  title: "Drug classes",
  description: "Pharmacologic classes (EPC, MOA, PE, CI) and the drugs in each.",
  icon: "drug-classes",
  emptyTitle: "No drug classes yet",
  emptyMessage: "Classes appear here after the first DailyMed sync.",
  upcoming: [
    "Every class type: established pharmacologic class, mechanism, physiologic effect, chemical ingredient",
    "The number of drugs in each class",
    "Drugs that belong to several classes",
    "Search and sort by name or type",
  ],
});
