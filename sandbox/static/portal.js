// Draws the authorization rows of the sandbox portal. The rows arrive from the JSON API and are
// drawn only after the table's data-delay-ms, like a slow real portal, so scrapers must wait for
// data-loaded="true" instead of reading the page as soon as it has loaded.
(function () {
  "use strict";

  var COLUMNS = [
    "patient_name",
    "authorization_number",
    "status",
    "payer",
    "service_start",
    "service_end",
  ];

  function cellFor(column, value) {
    var cell = document.createElement("td");
    if (column === "status") {
      var badge = document.createElement("span");
      badge.className = "status status-" + value.toLowerCase();
      badge.textContent = value;
      cell.appendChild(badge);
    } else {
      cell.textContent = value;
    }
    return cell;
  }

  function drawRows(table, rows) {
    var body = table.querySelector("tbody");
    var fragment = document.createDocumentFragment();
    rows.forEach(function (row) {
      var line = document.createElement("tr");
      COLUMNS.forEach(function (column) {
        line.appendChild(cellFor(column, row[column]));
      });
      fragment.appendChild(line);
    });
    body.replaceChildren(fragment);
  }

  function finish(table, state, message) {
    var note = document.getElementById("table-message");
    note.textContent = message;
    note.hidden = message === "";
    table.setAttribute("aria-busy", "false");
    table.dataset.loaded = state;
  }

  function load(table) {
    var delay = Number(table.dataset.delayMs) || 0;
    fetch(table.dataset.source, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("the portal answered " + response.status);
        }
        return response.json();
      })
      .then(function (page) {
        window.setTimeout(function () {
          drawRows(table, page.rows);
          finish(table, "true", page.rows.length ? "" : "No authorizations on file.");
        }, delay);
      })
      .catch(function (error) {
        finish(table, "error", "Could not load authorizations: " + error.message);
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var table = document.getElementById("authorizations");
    if (table) {
      load(table);
    }
  });
})();
