// The workspace editors: a process (bpmn-js), a decision table (dmn-js) or a form definition
// (a textarea), each with Validate and Deploy. Both buttons send the edited file to the API
// under the name it is stored as: POST /api/deployments/validate (a dry run answering the
// problems) and POST /api/deployments. What is valid is decided there, never here; this file
// only shows the problems, on the elements they name where it can.
(function () {
  "use strict";
  const root = document.getElementById("editor");
  if (!root) { return; }
  const texts = JSON.parse(document.getElementById("workspace-texts").textContent);
  const kind = root.dataset.kind;
  const key = root.dataset.key;
  const fileName = root.dataset.file;
  const resultBox = document.getElementById("result");
  const problemsBox = document.getElementById("problems");
  const canvasBox = document.getElementById("canvas");

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, (match, name) => (name in values ? values[name] : match));
  }

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
        const cells = cellsOf(problem.element_id);
        cells.forEach((cell) => { cell.classList.add("has-problem"); cell.title = problem.reason; });
        return cells.length > 0;
      },
      clear() {
        canvasBox.querySelectorAll(".has-problem").forEach((cell) => {
          cell.classList.remove("has-problem");
          cell.removeAttribute("title");
        });
      },
      showMatched(ruleIds) {
        canvasBox.querySelectorAll(".matched").forEach((cell) => cell.classList.remove("matched"));
        ruleIds.forEach((id) => canvasBox.querySelectorAll('[data-row-id="' + CSS.escape(id) + '"]')
          .forEach((cell) => cell.classList.add("matched")));
      },
    };
  }

  function formEditor() {
    const area = document.getElementById("definition");
    return {
      async load() { /* the server put the file in the textarea */ },
      async source() { return area.value; },
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

  async function validate() {
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

  async function deploy() {
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
    const mine = deployedEntry(result);
    if (!mine) {
      say(texts.deployed_other, "success");
    } else {
      say(fill(mine.status === "created" ? texts.deployed : texts.unchanged,
               {version: mine.version}), "success");
      document.querySelectorAll("[data-latest-version]").forEach((node) => {
        node.textContent = "v" + mine.version;
      });
    }
    if (window.htmx) {
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

  editor.load().then(() => { root.dataset.ready = "true"; }, (error) => {
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
      tester.querySelectorAll(".error.from-server").forEach((node) => node.remove());
      showAnswer(await crm.api("POST", tester.dataset.evaluateUrl, {inputs: inputs}));
    } catch (error) {
      testerResult.replaceChildren();
      crm.showError(error, tester);
    }
  });
})();
