// The quote builder: lines of products with quantity and discount. On every change the
// server prices them (POST /api/opportunities/<id>/quotes/preview) and this script only shows
// what it answered: totals, each line's policy maximum, the special-discount warning. Nothing
// here computes money. Generating posts the same lines to /api/opportunities/<id>/quotes.
(function () {
  "use strict";
  const form = document.getElementById("quote-form");
  if (!form) { return; }
  const body = document.getElementById("quote-lines");
  const template = document.getElementById("line-template");
  const texts = document.getElementById("quote-texts").dataset;
  const warning = document.getElementById("policy-warning");
  const warningLines = document.getElementById("policy-lines");
  const state = document.getElementById("totals-state");
  const button = document.getElementById("generate-quote");
  let timer = null;
  let sequence = 0;

  const rows = () => Array.from(body.querySelectorAll("tr.line"));
  const fill = (text, values) => crm.fill(text, values);  // app.js may load after this file

  function lineOf(row) {
    return {product: row.querySelector("[name=product]").value,
            quantity: row.querySelector("[name=quantity]").value.trim(),
            discount_pct: row.querySelector("[name=discount_pct]").value.trim() || "0"};
  }

  // formats the server's decimal string (no arithmetic): "80000.00" -> "¥80,000.00"
  function money(value, currency) {
    if (value === null || value === undefined || value === "") { return "—"; }
    const text = String(value);
    const sign = text.startsWith("-") ? "-" : "";
    const parts = text.replace("-", "").split(".");
    const whole = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    const symbol = {CNY: "¥", USD: "$", EUR: "€"}[currency] || (currency + " ");
    return sign + symbol + whole + (parts.length > 1 ? "." + parts[1] : "");
  }

  function renumber() {
    rows().forEach((row, index) => row.querySelectorAll("[data-name]").forEach((field) => {
      field.dataset.field = "lines." + index + "." + field.dataset.name;
    }));
  }

  const clearErrors = () => crm.clearErrors(form);

  // the server's field messages next to the fields; "lines.2.quantity" is the third line sent
  function placeErrors(error, sent) {
    Object.entries(error.fields || {}).forEach(([name, messages]) => {
      const match = /^lines\.(\d+)\.(\w+)$/.exec(name);
      let field = null;
      if (match && sent[Number(match[1])]) {
        field = sent[Number(match[1])].querySelector('[data-name="' + match[2] + '"]');
      }
      field = field || (match ? null : form.querySelector('[data-field="' + name + '"]'));
      const exact = Boolean(field);
      field = field || form.querySelector('[data-field="lines"]');
      const note = document.createElement("div");
      note.className = "error from-server";
      note.setAttribute("role", "alert");
      note.textContent = (exact ? "" : name + ": ") +
        (Array.isArray(messages) ? messages.join(" ") : JSON.stringify(messages));
      field.appendChild(note);
      field.classList.add("invalid");
    });
  }

  function blank(message) {
    form.querySelectorAll("[data-out]").forEach((node) => { node.textContent = "—"; });
    rows().forEach((row) => row.querySelectorAll("[data-out-line]").forEach((node) => {
      node.textContent = node.tagName === "TD" ? "—" : "";
    }));
    warning.hidden = true;
    state.textContent = message;
  }

  function show(figures, sent) {
    form.querySelectorAll("[data-out]").forEach((node) => {
      const name = node.dataset.out;
      node.textContent = name === "tier" ? (texts["tier" + figures.tier] || figures.tier)
        : money(figures[name], figures.currency);
    });
    warningLines.replaceChildren();
    rows().forEach((row) => {
      const index = sent.indexOf(row);
      const line = index >= 0 ? figures.lines[index] : null;
      row.classList.toggle("beyond", Boolean(line && line.beyond_policy));
      row.querySelectorAll("[data-out-line]").forEach((node) => {
        const name = node.dataset.outLine;
        if (!line) { node.textContent = node.tagName === "TD" ? "—" : ""; return; }
        node.textContent = name === "max_discount_pct"
          ? fill(texts.max, {max: line.max_discount_pct}) : money(line[name], figures.currency);
      });
      if (line && line.beyond_policy) {
        const item = document.createElement("li");
        // the preview's lines name no product (see the report): the row says which it is
        item.textContent = fill(texts.beyond, {product: line.product || lineOf(row).product,
          discount: line.discount_pct, max: line.max_discount_pct});
        warningLines.appendChild(item);
      }
    });
    warning.hidden = !figures.special_discount;
  }

  async function preview() {
    const mine = ++sequence;
    clearErrors();
    const all = rows();
    const sent = all.filter((row) => lineOf(row).product);
    if (!sent.length) { blank(texts.needsLine); return; }
    state.textContent = texts.updating;
    try {
      const figures = await crm.api("POST", form.dataset.previewUrl, {lines: sent.map(lineOf)});
      if (mine !== sequence) { return; }
      show(figures, sent);
      state.textContent = sent.length < all.length ? texts.incomplete : texts.ready;
    } catch (error) {
      if (mine !== sequence) { return; }
      blank(Object.keys(error.fields || {}).length ? texts.failed
        : (error.message || texts.failed));
      placeErrors(error, sent);
    }
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(preview, 250);
  }

  function addLine() {
    const row = template.content.firstElementChild.cloneNode(true);
    body.appendChild(row);
    renumber();
    return row;
  }

  body.addEventListener("input", schedule);
  body.addEventListener("change", schedule);
  body.addEventListener("click", (event) => {
    const remove = event.target.closest(".remove-line");
    if (!remove) { return; }
    remove.closest("tr").remove();
    renumber();
    schedule();
  });
  document.getElementById("add-line").addEventListener("click", () => {
    addLine().querySelector("select").focus();
    schedule();
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearTimeout(timer);
    sequence++;  // a preview still on its way must not overwrite the messages below
    clearErrors();
    const sent = rows();
    const payload = {lines: sent.map(lineOf), valid_until: form.elements.valid_until.value || null,
                     notes: form.elements.notes.value.trim() || null};
    button.disabled = true;
    try {
      const quote = await crm.api("POST", form.dataset.createUrl, payload);
      window.location.assign(form.dataset.doneUrl + "?new_quote=" + encodeURIComponent(quote.id));
    } catch (error) {
      placeErrors(error, sent);
      crm.showError(error);
      button.disabled = false;
    }
  });

  addLine();
  blank(texts.needsLine);
})();
