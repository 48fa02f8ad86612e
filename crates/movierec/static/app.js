// Optional niceties; every page works without this file.
"use strict";

// Rating forms marked data-autosubmit save as soon as a star is clicked. Only for
// pointer clicks: arrow keys move through the stars one by one, so keyboard users
// pick a value and then press "Save rating".
document.querySelectorAll("form[data-autosubmit]").forEach((form) => {
  let byPointer = false;
  form.addEventListener("pointerdown", () => {
    byPointer = true;
  });
  form.addEventListener("keydown", () => {
    byPointer = false;
  });
  form.addEventListener("change", (event) => {
    if (byPointer && event.target.name === "stars") {
      form.requestSubmit();
    }
  });
});

// The Model page follows a running training and reloads when it ends, to show the new model.
const trainingStatus = document.getElementById("training-status");
if (trainingStatus && trainingStatus.dataset.trainingRunning === "true") {
  const trainButton = document.getElementById("train-button");
  const timer = setInterval(async () => {
    let body;
    try {
      const response = await fetch("/api/v1/model", { headers: { Accept: "application/json" } });
      if (!response.ok) return;
      body = await response.json();
    } catch {
      return; // the server may be restarting; try again next second
    }
    const t = body.training;
    if (t.running) {
      const rmse = t.holdout_rmse == null ? "" : `, held-out RMSE ${t.holdout_rmse.toFixed(4)}`;
      trainingStatus.textContent = `Training: epoch ${t.epoch} of ${t.epochs}${rmse}.`;
    } else {
      clearInterval(timer);
      if (trainButton) trainButton.disabled = false;
      window.location.reload();
    }
  }, 1000);
}
