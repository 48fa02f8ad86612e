// Optional niceties; every page works without this file.
"use strict";

// Rating forms marked data-autosubmit save as soon as a star is chosen.
document.querySelectorAll("form[data-autosubmit]").forEach((form) => {
  form.addEventListener("change", (event) => {
    if (event.target.name === "stars") {
      form.requestSubmit();
    }
  });
});
