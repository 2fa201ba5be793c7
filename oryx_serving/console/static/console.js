// Sends each console form to its endpoint and shows the answer below it (see oryx_serving/console).
"use strict";

(function () {
  function requestUrl(form) {
    let path = form.dataset.path;
    const query = new URLSearchParams();
    for (const field of form.querySelectorAll("[data-in]")) {
      if (field.dataset.in === "path") {
        path = path.replace("{" + field.name + "}", encodeURIComponent(field.value));
      } else if (field.dataset.in === "query" && field.value !== "") {
        query.append(field.name, field.value);
      }
    }
    const search = query.toString();
    return form.dataset.base + path + (search ? "?" + search : "");
  }

  function requestInit(form) {
    const headers = {};
    const init = { method: form.dataset.method, headers: headers, credentials: "same-origin", cache: "no-store" };
    const accept = form.querySelector("[data-in=accept]");
    if (accept) {
      headers["Accept"] = accept.value;
    }
    const body = form.querySelector("[data-in=body]");
    if (body) {
      const type = form.querySelector("[data-in=content-type]");
      headers["Content-Type"] = type ? type.value : "text/plain";
      init.body = body.value;
    }
    return init;
  }

  async function send(form) {
    const result = form.querySelector(".result");
    result.dataset.status = "pending";
    result.textContent = "…";
    try {
      const response = await fetch(requestUrl(form), requestInit(form));
      const text = await response.text();
      const statusLine = (response.status + " " + response.statusText).trim();
      result.textContent = text ? statusLine + "\n" + text : statusLine;
      result.dataset.status = String(response.status);
    } catch (error) {
      result.textContent = "Request failed: " + error;
      result.dataset.status = "error";
    }
  }

  document.addEventListener("submit", function (event) {
    const form = event.target.closest("form.endpoint");
    if (form) {
      event.preventDefault();
      send(form);
    }
  });
})();
