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
