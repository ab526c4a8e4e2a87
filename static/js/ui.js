// The UI toolkit in one import for views:
//   feedback.js  toasts (#toasts) and busy buttons
//   modal.js     modal dialogs with focus trap, confirm dialog
//   forms.js     labelled fields, inline errors, API error → field mapping
//   table.js     the server-side paginated, sortable data table
//   widgets.js   badges, empty states, page headers, copy to clipboard
export { toast, toastError, setBusy, withBusy } from "./feedback.js";
export { openModal, confirmDialog } from "./modal.js";
export { field, selectField, setFieldError, clearFieldErrors, showFormError, checkRequired, formValues } from "./forms.js";
export { createDataTable } from "./table.js";
export { statusBadge, roleBadge, emptyState, pageHeader, copyText } from "./widgets.js";
