// An instance on its diagram: bpmn-js draws the version it runs on, and marks what the server
// says it completed, where it stands now (with who holds it since when) and where it failed.
(function () {
  "use strict";

  function readList(box, name) {
    try { return JSON.parse(box.dataset[name] || "[]"); } catch (e) { return []; }
  }

  function draw(box) {
    window.crm.diagram(box, ({canvas, overlays, known, note}) => {
      readList(box, "completed").filter(known).forEach((id) => canvas.addMarker(id, "completed"));
      readList(box, "active").filter(known).forEach((id) => canvas.addMarker(id, "active"));
      readList(box, "problem").filter(known).forEach((id) => canvas.addMarker(id, "has-problem"));
      const holders = JSON.parse(box.dataset.holders || "{}");
      Object.entries(holders).filter(([id]) => known(id)).forEach(([id, text]) => {
        overlays.add(id, {position: {bottom: -6, left: 0}, html: note("holder-note", text)});
      });
    });
  }

  document.querySelectorAll('[data-testid="bpmn-canvas"]').forEach(draw);
})();
