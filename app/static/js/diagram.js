// A deployed BPMN diagram in a box, for the pages that show one (an instance's path, the
// dashboards' heat map): bpmn-js draws the XML at the box's data-xml-url, fitted to the box,
// then `mark` adds the page's own markers and notes. The box's data-rendered says how it went
// ("true" / "error"); a failure is flashed with the box's data-error-text.
(function () {
  "use strict";

  // a note to lay over an element (bpmn-js overlays take a node)
  function note(className, text) {
    const node = document.createElement("div");
    node.className = className;
    node.textContent = text;
    return node;
  }

  // mark({canvas, overlays, known, note}): known(id) says whether the diagram has the element
  async function diagram(box, mark) {
    const viewer = new window.BpmnJS({container: box});
    try {
      await viewer.importXML(await window.crm.api("GET", box.dataset.xmlUrl));
      const canvas = viewer.get("canvas");
      const registry = viewer.get("elementRegistry");
      canvas.zoom("fit-viewport", "auto");
      mark({canvas: canvas, overlays: viewer.get("overlays"),
            known: (id) => Boolean(registry.get(id)), note: note});
      box.dataset.rendered = "true";
    } catch (error) {
      box.dataset.rendered = "error";
      window.crm.flash((box.dataset.errorText || "") + " " + error.message, "error");
    }
  }

  window.crm.diagram = diagram;
})();
