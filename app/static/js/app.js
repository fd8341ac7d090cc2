// Shared page helpers: the JSON API with the session's CSRF token, and messages for errors.
// No build step: plain browser JavaScript.
(function () {
  "use strict";
  const token = () => document.querySelector('meta[name="csrf-token"]').content;

  function flash(text, kind) {
    const box = document.getElementById("messages");
    if (!box) { return; }
    const item = document.createElement("div");
    item.className = "message " + (kind || "info");
    item.setAttribute("role", kind === "error" ? "alert" : "status");
    item.textContent = text;
    box.appendChild(item);
    item.scrollIntoView({block: "nearest"});
    if (kind !== "error") { setTimeout(() => item.remove(), 6000); }
  }

  const ZH_REFUSALS = {400: "无法处理该请求", 401: "请先登录", 403: "无权操作", 404: "未找到",
                       409: "冲突", 413: "内容过大", 422: "请检查输入", 429: "请求过于频繁",
                       500: "出错了"};

  class ApiError extends Error {
    constructor(status, body) {
      // the server's words in the page's language when it sends them (shown, shown_fields)
      super((body && (body.shown || body.message)) || ("HTTP " + status));
      this.status = status;
      this.body = body || {};
      this.fields = this.body.shown_fields || this.body.fields || {};
    }
    // the message with the fields it names: "…: discount_pct: must be at most 100"; on a
    // Chinese page led by what kind of refusal it is (the details are the server's words)
    describe() {
      const parts = Object.entries(this.fields).map(([name, msgs]) =>
        name + ": " + (Array.isArray(msgs) ? msgs.join(" ") : JSON.stringify(msgs)));
      const text = parts.length ? this.message + " (" + parts.join("; ") + ")" : this.message;
      const kind = document.body.dataset.lang === "zh-CN" && ZH_REFUSALS[this.status];
      return kind ? kind + "：" + text : text;
    }
  }

  // call the JSON API as the signed-in person; rejects with an ApiError carrying the message
  async function api(method, url, body, options) {
    const init = {method: method, headers: {"X-CSRF-Token": token(), "Accept": "application/json"},
                  credentials: "same-origin"};
    if (body instanceof FormData) {
      init.body = body;
    } else if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    Object.assign(init, options || {});
    const response = await fetch(url, init);
    const type = response.headers.get("Content-Type") || "";
    const data = type.includes("json") ? await response.json() : await response.text();
    if (!response.ok) { throw new ApiError(response.status, typeof data === "object" ? data : {message: data}); }
    return data;
  }

  // an API error shown to the person (and field messages next to fields named data-field)
  // "{count} problem(s)" with {count: 2}: a page text with the values put in
  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, (match, name) => (name in values ? values[name] : match));
  }

  // take away the server's messages (and the red) a form shows from its last try
  function clearErrors(box) {
    box.querySelectorAll(".error.from-server").forEach((node) => node.remove());
    box.querySelectorAll(".invalid").forEach((node) => node.classList.remove("invalid"));
    box.classList.remove("invalid");
  }

  function showError(error, form) {
    if (form) {
      clearErrors(form);
      Object.entries(error.fields || {}).forEach(([name, msgs]) => {
        const field = form.querySelector('[data-field="' + name + '"]');
        if (!field) { return; }
        const note = document.createElement("div");
        note.className = "error from-server";
        note.setAttribute("role", "alert");
        note.textContent = Array.isArray(msgs) ? msgs.join(" ") : JSON.stringify(msgs);
        field.appendChild(note);
        field.classList.add("invalid");
      });
    }
    flash(error.describe ? error.describe() : String(error.message || error), "error");
  }

  document.addEventListener("htmx:responseError", (event) => {
    const xhr = event.detail.xhr;
    const type = xhr.getResponseHeader("Content-Type") || "";
    let message = "HTTP " + xhr.status;
    if (type.includes("html")) {  // a page's message fragment (templates/web/message.html)
      const holder = document.createElement("div");
      holder.innerHTML = xhr.responseText;
      message = holder.textContent.replace(/\s+/g, " ").trim() || message;
    } else {
      try {
        const body = JSON.parse(xhr.responseText);
        message = body.shown || body.message || message;
      } catch (e) { /* text */ }
    }
    flash(message, "error");
  });
  document.addEventListener("htmx:sendError", () => flash(document.body.dataset.lang === "zh-CN"
    ? "无法连接服务器。" : "The server could not be reached.", "error"));

  // a form that asks first (post_button's confirm): no answer, no post
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });

  window.crm = {api: api, flash: flash, showError: showError, ApiError: ApiError, fill: fill,
                clearErrors: clearErrors};
})();
