// An instance on its diagram: bpmn-js draws the version it runs on, and marks what the server
// says it completed, where it stands now (with who holds it since when) and where it failed.
(function () {
  "use strict";

  function readList(box, name) {
    try { return JSON.parse(box.dataset[name] || "[]"); } catch (e) { return []; }
  }

  function note(className, text) {
    const node = document.createElement("div");
    node.className = className;
    node.textContent = text;
    return node;
  }

  async function draw(box) {
    const viewer = new window.BpmnJS({container: box});
    try {
      const response = await fetch(box.dataset.xmlUrl, {credentials: "same-origin"});
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      await viewer.importXML(await response.text());
      const canvas = viewer.get("canvas");
      const registry = viewer.get("elementRegistry");
      const overlays = viewer.get("overlays");
      canvas.zoom("fit-viewport", "auto");
      const known = (id) => Boolean(registry.get(id));
      readList(box, "completed").filter(known).forEach((id) => canvas.addMarker(id, "completed"));
      readList(box, "active").filter(known).forEach((id) => canvas.addMarker(id, "active"));
      readList(box, "problem").filter(known).forEach((id) => canvas.addMarker(id, "has-problem"));
      const holders = JSON.parse(box.dataset.holders || "{}");
      Object.entries(holders).filter(([id]) => known(id)).forEach(([id, text]) => {
        overlays.add(id, {position: {bottom: -6, left: 0}, html: note("holder-note", text)});
      });
      box.dataset.rendered = "true";
    } catch (error) {
      box.dataset.rendered = "error";
      window.crm.flash((box.dataset.errorText || "") + " " + error.message, "error");
    }
  }

  document.querySelectorAll('[data-testid="bpmn-canvas"]').forEach(draw);
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
    });
  });
})();
