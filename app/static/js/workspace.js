// The workspace editors: a process (bpmn-js), a decision table (dmn-js) or a form definition
// (a textarea), each with Validate and Deploy. Both buttons send the edited file to the API
// under the name it is stored as: POST /api/deployments/validate (a dry run answering the
// problems) and POST /api/deployments. What is valid is decided there, never here; this file
// only shows the problems, on the elements they name where it can.
// A new process or form (data-new) starts from a skeleton: its key (the process key field, or
// the form JSON's "key") is checked by the server first, as a key already deployed must not
// be replaced by accident; it names the file, and after a deployment the page opens its editor.
(function () {
  "use strict";
  const root = document.getElementById("editor");
  if (!root) { return; }
  const texts = JSON.parse(document.getElementById("workspace-texts").textContent);
  const kind = root.dataset.kind;
  const isNew = root.dataset.new === "true";
  let key = root.dataset.key;
  let fileName = root.dataset.file;
  const resultBox = document.getElementById("result");
  const problemsBox = document.getElementById("problems");
  const canvasBox = document.getElementById("canvas");

  const fill = (text, values) => crm.fill(text, values);

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function say(text, kindOfMessage) {
    resultBox.replaceChildren(element("div", "message " + kindOfMessage, text));
    resultBox.firstChild.setAttribute("role", kindOfMessage === "error" ? "alert" : "status");
  }

  // -- the three editors: load(), source() -> the file's text, mark(problem) -> placed?, clear()

  function processEditor() {
    const modeler = new window.BpmnJS({container: canvasBox});
    const marked = [];
    return {
      async load() {
        await modeler.importXML(await crm.api("GET", root.dataset.sourceUrl));
        modeler.get("canvas").zoom("fit-viewport");
      },
      async source() { return (await modeler.saveXML({format: true})).xml; },
      // a new process takes its key as the process id (in a pool: the pool's process)
      rename(newKey) {
        const modeling = modeler.get("modeling");
        const rootElement = modeler.get("canvas").getRootElement();
        const business = rootElement.businessObject;
        if (business.$type === "bpmn:Process") {
          if (business.id !== newKey) { modeling.updateProperties(rootElement, {id: newKey}); }
          return;
        }
        const registry = modeler.get("elementRegistry");
        (business.participants || []).filter((p) => p.processRef).slice(0, 1).forEach((p) => {
          if (p.processRef.id !== newKey) {
            modeling.updateModdleProperties(registry.get(p.id), p.processRef, {id: newKey});
          }
        });
      },
      mark(problem) {
        const registry = modeler.get("elementRegistry");
        if (!problem.element_id || problem.file !== fileName || !registry.get(problem.element_id)) {
          return false;
        }
        modeler.get("canvas").addMarker(problem.element_id, "has-problem");
        modeler.get("overlays").add(problem.element_id, "problem", {
          position: {bottom: 8, left: 0}, html: element("div", "problem-note", problem.reason)});
        marked.push(problem.element_id);
        return true;
      },
      clear() {
        const registry = modeler.get("elementRegistry");
        marked.splice(0).forEach((id) => {
          if (registry.get(id)) { modeler.get("canvas").removeMarker(id, "has-problem"); }
        });
        modeler.get("overlays").remove({type: "problem"});
      },
    };
  }

  function decisionEditor() {
    const modeler = new window.DmnJS({container: canvasBox});
    // a problem names a rule (its row), a cell, or a column of the table
    const cellsOf = (id) => canvasBox.querySelectorAll(
      '[data-row-id="' + CSS.escape(id) + '"], [data-element-id="' + CSS.escape(id) + '"], ' +
      '[data-col-id="' + CSS.escape(id) + '"]');
    // the table redraws its cells on every edit, dropping our classes: what is marked is kept
    // here and put back after each redraw
    let problems = [];
    let matched = [];
    const paint = () => {
      problems.forEach((problem) => cellsOf(problem.element_id).forEach((cell) => {
        cell.classList.add("has-problem");
        cell.title = problem.reason;
      }));
      matched.forEach((id) => canvasBox.querySelectorAll('[data-row-id="' + CSS.escape(id) + '"]')
        .forEach((cell) => cell.classList.add("matched")));
    };
    let pending = false;
    new MutationObserver(() => {
      if (pending || (!problems.length && !matched.length)) { return; }
      pending = true;
      requestAnimationFrame(() => { pending = false; paint(); });
    }).observe(canvasBox, {childList: true, subtree: true});
    return {
      async load() {
        await modeler.importXML(await crm.api("GET", root.dataset.sourceUrl));
        const view = modeler.getViews().find((v) => v.type === "decisionTable" && v.element.id === key);
        const active = modeler.getActiveView();
        if (view && !(active && active.type === view.type && active.element.id === key)) {
          await modeler.open(view);
        }
      },
      async source() { return (await modeler.saveXML({format: true})).xml; },
      mark(problem) {
        if (!problem.element_id || problem.file !== fileName) { return false; }
        if (!cellsOf(problem.element_id).length) { return false; }
        problems.push(problem);
        paint();
        return true;
      },
      clear() {
        problems = [];
        canvasBox.querySelectorAll(".has-problem").forEach((cell) => {
          cell.classList.remove("has-problem");
          cell.removeAttribute("title");
        });
      },
      showMatched(ruleIds) {
        matched = ruleIds.slice();
        canvasBox.querySelectorAll(".matched").forEach((cell) => cell.classList.remove("matched"));
        paint();
      },
    };
  }

  function formEditor() {
    const area = document.getElementById("definition");
    return {
      async load() { /* the server put the file in the textarea */ },
      async source() { return area.value; },
      // a new form's key is the JSON's "key" (unreadable JSON: the server will say why)
      keyOf() {
        try {
          const definition = JSON.parse(area.value);
          return definition && typeof definition.key === "string" ? definition.key : "";
        } catch (problem) {
          return null;
        }
      },
      mark() { return false; },  // a form file's problems concern the whole file
      clear() { /* nothing drawn */ },
    };
  }

  const editor = {process: processEditor, decision: decisionEditor, form: formEditor}[kind]();

  // -- problems: those on an element are drawn there too; the others come first in the list

  function showProblems(problems) {
    editor.clear();
    const list = problemsBox.querySelector("ul");
    list.replaceChildren();
    problemsBox.hidden = problems.length === 0;
    const general = [];
    const placed = [];
    problems.forEach((problem) => (editor.mark(problem) ? placed : general).push(problem));
    general.concat(placed).forEach((problem) => {
      const item = element("li", "problem");
      item.dataset.elementId = problem.element_id || "";
      const where = [problem.file, problem.line ? fill(texts.line, {line: problem.line}) : null]
        .filter(Boolean).join(", ");
      item.append(element("code", "element", problem.element_id || texts.general), " ",
                  element("span", "reason", problem.reason), " ",
                  element("span", "muted small", where ? "(" + where + ")" : ""));
      list.append(item);
    });
  }

  async function filesToSend() {
    const type = kind === "form" ? "application/json" : "application/xml";
    const body = new FormData();
    body.append("files", new Blob([await editor.source()], {type: type}), fileName);
    return body;
  }

  function deployedEntry(result) {
    const list = {process: result.processes, decision: result.decisions, form: result.forms}[kind];
    const id = kind === "decision" ? "decision_id" : "key";
    return (list || []).find((entry) => entry[id] === key);
  }

  // -- a new process or form: the key, checked by the server before anything is sent

  const keyInput = document.getElementById("new-key");
  const keyBox = root.querySelector('[data-field="key"]');

  function clearKeyError() {
    if (keyBox) { crm.clearErrors(keyBox); }
  }

  // the refusal goes next to the key (with a link to what already has it), not at the top
  function showKeyError(error) {
    resultBox.replaceChildren();
    if (!keyBox || !error.fields || !error.fields.key) {
      crm.showError(error);
      return;
    }
    const note = element("div", "error from-server", error.fields.key.join(" "));
    note.setAttribute("role", "alert");
    if (error.body && error.body.open_url) {
      const link = element("a", "open-existing", fill(texts.open_existing, {name: key}));
      link.href = error.body.open_url;
      note.append(" ", link);
    }
    keyBox.append(note);
    keyBox.classList.add("invalid");
    if (keyInput) { keyInput.focus(); }
    note.scrollIntoView({block: "nearest"});
  }

  // true when the key may name a new definition (and the editor now uses it)
  async function claimKey() {
    if (!isNew) { return true; }
    clearKeyError();
    const wanted = keyInput ? keyInput.value.trim() : editor.keyOf();
    if (wanted === null) {  // a form whose JSON does not parse: the problems will say so
      fileName = root.dataset.file;
      return true;
    }
    key = wanted;
    try {
      const answer = await crm.api("GET", root.dataset.keyUrl + "?key=" + encodeURIComponent(key));
      fileName = answer.file;
    } catch (error) {
      showKeyError(error);
      return false;
    }
    if (editor.rename) { editor.rename(key); }
    return true;
  }

  if (keyInput) {
    keyInput.form.addEventListener("submit", (event) => { event.preventDefault(); });
  }
  if (isNew) {  // the key field, or the form's JSON where its key is
    (keyInput || document.getElementById("definition")).addEventListener("input", clearKeyError);
  }

  async function validate() {
    if (!(await claimKey())) { return; }
    try {
      const answer = await crm.api("POST", "/api/deployments/validate", await filesToSend());
      showProblems(answer.problems);
      if (answer.problems.length) {
        say(fill(texts.problems_found, {count: answer.problems.length}), "error");
      } else {
        say(texts.no_problems, "success");
      }
    } catch (error) {
      crm.showError(error);
    }
  }

  // what the editor held when it opened (or was last deployed): the modelers rewrite the XML
  // they save, so an untouched diagram must not go out as a new version
  let baseline = null;

  async function deploy() {
    const text = await editor.source();
    if (!isNew && text === baseline) {
      say(texts.nothing_to_deploy, "info");
      return;
    }
    if (!(await claimKey())) { return; }
    let result;
    try {
      result = await crm.api("POST", "/api/deployments", await filesToSend());
    } catch (error) {
      if (error.body && Array.isArray(error.body.problems)) {
        showProblems(error.body.problems);
        say(fill(texts.problem_count, {count: error.body.problems.length}), "error");
      } else {
        crm.showError(error);
      }
      return;
    }
    showProblems([]);
    baseline = text;
    const mine = deployedEntry(result);
    if (isNew && mine) {  // from now on it is edited like any deployed definition
      say(fill(texts.deployed, {version: mine.version}), "success");
      window.location.assign(root.dataset.openUrl.replace("__key__", encodeURIComponent(key)));
      return;
    }
    if (!mine) {
      say(texts.deployed_other, "success");
    } else {
      say(fill(mine.status === "created" ? texts.deployed : texts.unchanged,
               {version: mine.version}), "success");
      document.querySelectorAll("[data-latest-version]").forEach((node) => {
        node.textContent = "v" + mine.version;
      });
    }
    if (window.htmx && root.dataset.versionsUrl) {
      window.htmx.ajax("GET", root.dataset.versionsUrl, {target: "#versions", swap: "innerHTML"});
    }
  }

  function busy(button, work) {
    return async () => {
      button.disabled = true;
      try { await work(); } finally { button.disabled = false; }
    };
  }

  // (scoped: the modeler's palette has data-action entries of its own)
  root.querySelectorAll(".editor-actions button[data-action]").forEach((button) => {
    const work = {validate: validate, deploy: deploy}[button.dataset.action];
    button.addEventListener("click", busy(button, work));
  });

  editor.load().then(async () => {
    baseline = await editor.source();
    root.dataset.ready = "true";
  }, (error) => {
    say(fill(texts.loading_failed, {message: error.message || String(error)}), "error");
  });

  // -- the decision tester: the table's inputs in, the deployed version's answer out

  const tester = document.getElementById("tester-form");
  if (!tester) { return; }
  const testerResult = document.getElementById("tester-result");

  function typed(field) {
    const value = field.value.trim();
    if (value === "") { return null; }
    if (field.dataset.type === "boolean") { return value === "true"; }
    if (field.type === "number" && !Number.isNaN(Number(value))) { return Number(value); }
    return value;
  }

  function showAnswer(answer) {
    const outputs = element("dl", "facts");
    Object.entries(answer.outputs || {}).forEach(([name, value]) => {
      outputs.append(element("dt", "", name), element("dd", "", JSON.stringify(value)));
    });
    const rules = element("p", "matched-rules");
    if (answer.matched_rules.length) {
      rules.append(texts.matched_rules + ": ");
      answer.matched_rules.forEach((id) => rules.append(element("code", "", id), " "));
    } else {
      rules.textContent = texts.no_match;
    }
    testerResult.replaceChildren(
      element("h3", "", texts.outputs + " (v" + answer.version + ")"), outputs, rules);
    if (editor.showMatched) { editor.showMatched(answer.matched_rules); }
  }

  tester.addEventListener("submit", async (event) => {
    event.preventDefault();
    let inputs;
    try {
      inputs = JSON.parse(tester.elements.more.value.trim() || "{}");
      if (!inputs || typeof inputs !== "object" || Array.isArray(inputs)) {
        throw new Error("{…}");
      }
    } catch (problem) {
      const message = fill(texts.bad_json, {message: problem.message});
      crm.showError({message: message, fields: {inputs: [message]}}, tester);
      return;
    }
    tester.querySelectorAll("[data-type]").forEach((field) => { inputs[field.name] = typed(field); });
    try {
      crm.clearErrors(tester);
      showAnswer(await crm.api("POST", tester.dataset.evaluateUrl, {inputs: inputs}));
    } catch (error) {
      testerResult.replaceChildren();
      crm.showError(error, tester);
    }
  });
})();
