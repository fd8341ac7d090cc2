// The kanban board: drag a card to another stage. The server decides (PATCH
// /api/opportunities/<id>); on success the board and forecast are fetched again from the
// server (/pipeline/board) so every count and total is the server's; on a refusal the card
// goes back where it was and the server's message is shown. A lost stage asks for the reason
// first (cancel puts the card back).
(function () {
  "use strict";
  const live = document.getElementById("pipeline-live");
  if (!live || typeof Sortable === "undefined") { return; }
  const dialog = document.getElementById("lost-dialog");
  const lostForm = document.getElementById("lost-form");
  const texts = document.getElementById("pipeline-texts").dataset;
  let sortables = [];
  let pending = null;  // the move waiting for its lost reason

  function putBack(move) {
    move.from.insertBefore(move.card, move.from.children[move.oldIndex] || null);
  }

  function busy(on) {
    live.classList.toggle("busy", on);
    sortables.forEach((sortable) => sortable.option("disabled", on));
  }

  async function refresh() {
    try {
      const response = await fetch(live.dataset.boardUrl,
        {headers: {"Accept": "text/html"}, credentials: "same-origin"});
      if (response.redirected) { window.location.reload(); return; }  // signed out meanwhile
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      live.innerHTML = await response.text();
      wire();
    } catch (error) {
      crm.flash(texts.refreshFailed, "error");
    }
  }

  async function send(move, reason) {
    const body = {stage: move.stage};
    if (reason !== undefined) { body.reason = reason; }
    busy(true);
    try {
      await crm.api("PATCH", "/api/opportunities/" + move.card.dataset.opportunityId, body);
    } finally {
      busy(false);
    }
  }

  async function moved(move) {
    crm.flash(crm.fill(texts.moved, {stage: move.stageName}), "success");
    await refresh();
  }

  async function dropped(event) {
    if (event.from === event.to) { return; }
    const column = event.to.closest('[data-testid="stage-column"]');
    const move = {card: event.item, from: event.from, oldIndex: event.oldIndex,
                  stage: column.dataset.stage, stageName: column.dataset.stageName};
    if (column.dataset.lost === "true") { askReason(move); return; }
    try {
      await send(move);
    } catch (error) {
      putBack(move);
      crm.showError(error);
      return;
    }
    await moved(move);
  }

  function askReason(move) {
    pending = move;
    lostForm.reset();
    crm.clearErrors(lostForm);
    document.getElementById("lost-deal").textContent = move.card.dataset.name;
    dialog.showModal();
    lostForm.elements.reason.focus();
  }

  function cancelLost() {
    if (pending) { putBack(pending); pending = null; }
    if (dialog.open) { dialog.close(); }
  }

  lostForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!pending) { return; }
    const move = pending;
    try {
      await send(move, lostForm.elements.reason.value);
    } catch (error) {
      if (error.fields && error.fields.reason) {  // the reason is missing: ask again
        crm.showError(error, lostForm);
        return;
      }
      pending = null;
      dialog.close();
      putBack(move);
      crm.showError(error);
      return;
    }
    pending = null;
    dialog.close();
    await moved(move);
  });
  document.getElementById("lost-cancel").addEventListener("click", cancelLost);
  dialog.addEventListener("cancel", (event) => { event.preventDefault(); cancelLost(); });

  function wire() {
    sortables.forEach((sortable) => sortable.destroy());
    sortables = [];
    const board = document.getElementById("board");
    if (!board || board.dataset.mayMove !== "true") { return; }
    board.querySelectorAll(".cards").forEach((list) => {
      sortables.push(Sortable.create(list, {
        group: "pipeline", sort: false, draggable: ".deal", animation: 150,
        forceFallback: true, fallbackTolerance: 4, delayOnTouchOnly: true, delay: 200,
        ghostClass: "deal-ghost", chosenClass: "deal-chosen", onEnd: dropped}));
    });
  }

  wire();
})();
