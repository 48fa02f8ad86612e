// Progressive enhancement: every form on every page works without this file. With it,
// ratings and list changes are sent through the JSON API in place, confirmed in a live
// region with an Undo, and the page neither reloads nor scrolls.
"use strict";

document.documentElement.classList.add("js");

// ---- The JSON API ----

async function api(method, path, body) {
  const init = { method, headers: { Accept: "application/json" }, credentials: "same-origin" };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  if (!response.ok) {
    let message = `That did not work (error ${response.status}).`;
    try {
      message = (await response.json()).error.message;
    } catch {
      // not a JSON error: keep the general message
    }
    throw new Error(message);
  }
  return response.status === 204 ? null : response.json();
}

const ratingPath = (id) => `/api/v1/me/ratings/${id}`;
const listPath = (list, id) => `/api/v1/me/${list === "hidden" ? "hidden" : "watchlist"}/${id}`;
const starsText = (value) => `${value} star${value === 1 ? "" : "s"}`;

// ---- Confirmation with Undo ----

const toast = document.getElementById("toast");
let toastTimer = null;

/** Says `message` in the live region; `undo`, when given, is offered as a button. */
function confirm(message, undo) {
  if (!toast) return;
  clearTimeout(toastTimer);
  const text = document.createElement("span");
  text.textContent = message;
  const parts = [text];
  if (undo) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "toast-undo";
    button.textContent = "Undo";
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        await undo();
      } catch (error) {
        confirm(error.message);
      }
    });
    parts.push(button);
  }
  toast.replaceChildren(...parts);
  hideToastLater();
}

/** Clears the confirmation after a while, but not while the keyboard is on its Undo. */
function hideToastLater() {
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    if (toast.contains(document.activeElement)) return;
    toast.replaceChildren();
  }, 10000);
}
if (toast) toast.addEventListener("focusout", hideToastLater);

/** Hides a card after a change that takes it off this page; `restore` shows it again. */
function dismiss(card) {
  if (!card) return () => {};
  const next = card.nextElementSibling || card.previousElementSibling;
  const hadFocus = card.contains(document.activeElement);
  card.hidden = true;
  if (hadFocus) {
    const target = next && next.querySelector("a, button, input");
    (target || document.getElementById("main")).focus();
  }
  return () => {
    card.hidden = false;
  };
}

// ---- Onboarding progress ----

const progress = document.getElementById("onboarding-progress");

function countRated(delta) {
  if (!progress || delta === 0) return;
  const target = Number(progress.dataset.target);
  const rated = Math.max(0, Number(progress.dataset.rated) + delta);
  progress.dataset.rated = String(rated);
  progress.querySelector(".progress-count").textContent = `${rated} of ${target}`;
  const enough = rated >= target;
  progress.querySelector(".progress-done").hidden = !enough;
  const handover = document.querySelector(".handover");
  if (handover) handover.hidden = !enough;
}

// ---- Ratings ----

function formRating(form) {
  return form.dataset.rating === "" ? null : Number(form.dataset.rating);
}

/** Shows `value` (a number, or null for none) as the saved rating of a star strip. */
function showRating(form, value) {
  form.dataset.rating = value === null ? "" : String(value);
  for (const input of form.querySelectorAll("input[name=stars]")) {
    input.checked = value !== null && Number(input.value) === value;
  }
  const clear = form.parentElement.querySelector(`form[data-clear][data-movie-id="${form.dataset.movieId}"]`);
  if (clear) clear.hidden = value === null;
  const card = form.closest(".movie-card, .result, .rating-box");
  if (card) card.classList.toggle("is-rated", value !== null);
  const state = card && card.querySelector(".rating-state");
  if (state) {
    state.textContent = value === null ? "Not rated yet: choose the stars." : `You rated it ${starsText(value)}.`;
  }
}

// ---- Our users' score on a movie page ----

/** Shows our users' average and count on the movie page of `id`, as the page renders them:
 * from `answer` when it carries them (a rating set), else asked of the API (one cleared). */
async function showUsersScore(id, answer) {
  const score = document.getElementById("users-score");
  if (!score || score.dataset.movieId !== String(id)) return;
  let figures = answer;
  if (!figures || figures.users_count === undefined) {
    try {
      figures = await api("GET", `/api/v1/movies/${id}`);
    } catch {
      return; // the rating is saved; the figure catches up on the next visit
    }
  }
  const count = figures.users_count;
  const average = figures.users_average;
  const strong = document.createElement("strong");
  const muted = document.createElement("span");
  muted.className = "muted";
  if (average === null || count === 0) {
    strong.textContent = "–";
    muted.textContent = "no ratings yet";
  } else {
    strong.textContent = `★ ${average.toFixed(1)} / 5`;
    muted.textContent = `${count} rating${count === 1 ? "" : "s"}`;
  }
  score.replaceChildren(document.createTextNode("Our users "), strong, " ", muted);
}

/** Sets (a number) or clears (null) the rating of the movie of `form`, with an Undo. */
async function saveRating(form, value) {
  const id = form.dataset.movieId;
  const title = form.dataset.title;
  const before = formRating(form);
  if (before === value) return;
  let leftWatchlist = false;
  let answer = null;
  try {
    if (value === null) {
      await api("DELETE", ratingPath(id));
    } else {
      answer = await api("PUT", ratingPath(id), { rating: value });
      leftWatchlist = answer.left_watchlist;
    }
  } catch (error) {
    showRating(form, before);
    confirm(`${title}: ${error.message}`);
    return;
  }
  showRating(form, value);
  showUsersScore(id, answer);
  if (form.closest("#onboarding")) countRated((value !== null) - (before !== null));
  const card = form.closest("[data-dismiss-on-rate]");
  const restore = leftWatchlist && card ? dismiss(card) : () => {};
  let message = value === null ? `Cleared your rating of ${title}.` : `Rated ${title} ${starsText(value)}.`;
  if (leftWatchlist) message += " It left your watchlist.";
  confirm(message, async () => {
    let undone = null;
    if (before === null) await api("DELETE", ratingPath(id));
    else undone = await api("PUT", ratingPath(id), { rating: before });
    if (leftWatchlist) await api("PUT", listPath("watchlist", id));
    showRating(form, before);
    showUsersScore(id, undone);
    restore();
    if (form.closest("#onboarding")) countRated((before !== null) - (value !== null));
    confirm(before === null ? `Undone: ${title} is not rated.` : `Undone: ${title} is back to ${starsText(before)}.`);
  });
}

// A pointer click on a star saves at once. Arrow keys move through the stars (the radio
// group pattern), so a keyboard choice is saved once the keys rest for a moment, or at once
// with Enter.
let byPointer = false;
document.addEventListener("pointerdown", () => {
  byPointer = true;
});
document.addEventListener(
  "keydown",
  () => {
    byPointer = false;
  },
  true,
);

const pending = new Map();

function saveSoon(form, delay) {
  clearTimeout(pending.get(form));
  const checked = form.querySelector("input[name=stars]:checked");
  if (!checked) return;
  pending.set(
    form,
    setTimeout(() => {
      pending.delete(form);
      saveRating(form, Number(checked.value));
    }, delay),
  );
}

// Leaving the stars with a keyboard choice not yet saved saves it now.
document.addEventListener("focusout", (event) => {
  const form = event.target.closest && event.target.closest("form[data-rate]");
  if (form && pending.has(form) && !form.contains(event.relatedTarget)) saveSoon(form, 0);
});

document.addEventListener("change", (event) => {
  const input = event.target;
  if (input.name === "stars" && input.type === "radio") {
    const form = input.closest("form[data-rate]");
    if (form) saveSoon(form, byPointer ? 0 : 700);
  } else if (input.tagName === "SELECT") {
    const form = input.closest("form[data-rate-select]");
    if (form) saveSelect(form, input);
  }
});

// Home and End jump to the lowest and highest star, as in the radio group pattern.
document.addEventListener("keydown", (event) => {
  const input = event.target;
  if (!(input instanceof HTMLInputElement) || input.name !== "stars" || input.type !== "radio") return;
  if (event.key !== "Home" && event.key !== "End") return;
  const all = input.closest(".star-input").querySelectorAll("input[name=stars]");
  const target = event.key === "Home" ? all[0] : all[all.length - 1];
  event.preventDefault();
  target.focus();
  target.checked = true;
  target.dispatchEvent(new Event("change", { bubbles: true }));
});

/** My ratings: one select per row; "none" removes the rating. */
async function saveSelect(form, select) {
  const id = form.dataset.movieId;
  const title = form.dataset.title;
  const before = form.dataset.rating === "" ? null : Number(form.dataset.rating);
  const value = select.value === "none" ? null : Number(select.value);
  const show = (v) => {
    form.dataset.rating = v === null ? "" : String(v);
    select.value = v === null ? "none" : String(v);
  };
  try {
    if (value === null) await api("DELETE", ratingPath(id));
    else await api("PUT", ratingPath(id), { rating: value });
  } catch (error) {
    show(before);
    confirm(`${title}: ${error.message}`);
    return;
  }
  show(value);
  confirm(value === null ? `Removed your rating of ${title}.` : `Rated ${title} ${starsText(value)}.`, async () => {
    if (before === null) await api("DELETE", ratingPath(id));
    else await api("PUT", ratingPath(id), { rating: before });
    show(before);
    confirm(`Undone: ${title} is back to ${before === null ? "no rating" : starsText(before)}.`);
  });
}

// ---- Lists: watchlist and "Not interested" ----

function showListed(form, on) {
  const id = form.dataset.movieId;
  form.dataset.on = String(on);
  const hidden = form.dataset.list === "hidden";
  const action = hidden ? (on ? "unhide" : "hide") : on ? "watchlist/delete" : "watchlist";
  form.action = `/movies/${id}/${action}`;
  const button = form.querySelector("button");
  if (button.hasAttribute("aria-pressed")) button.setAttribute("aria-pressed", String(on));
}

async function toggleList(form) {
  const id = form.dataset.movieId;
  const title = form.dataset.title;
  const list = form.dataset.list;
  const wasOn = form.dataset.on === "true";
  const set = (on) => api(on ? "PUT" : "DELETE", listPath(list, id));
  await set(!wasOn);
  showListed(form, !wasOn);
  const then = form.dataset.then;
  let restore = () => {};
  if (then === "dismiss") restore = dismiss(form.closest("[data-movie-id]:not(form)"));
  if (then === "refresh") await refresh("recs", null);
  const names = list === "hidden" ? ["won't be recommended", "can be recommended again"] : ["is on your watchlist", "left your watchlist"];
  confirm(`${title} ${wasOn ? names[1] : names[0]}.`, async () => {
    await set(wasOn);
    showListed(form, wasOn);
    restore();
    if (then === "refresh") await refresh("recs", null);
    confirm(`Undone: ${title} ${wasOn ? names[0] : names[1]}.`);
  });
}

// ---- Forms and links handled in place ----

document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (form.matches("form[data-rate]")) {
    event.preventDefault();
    clearTimeout(pending.get(form));
    const checked = form.querySelector("input[name=stars]:checked");
    if (checked) await saveRating(form, Number(checked.value));
    else confirm(`Choose the stars for ${form.dataset.title} first.`);
  } else if (form.matches("form[data-clear]")) {
    event.preventDefault();
    const strip = form.parentElement.querySelector(`form[data-rate][data-movie-id="${form.dataset.movieId}"]`);
    if (strip) await saveRating(strip, null);
  } else if (form.matches("form[data-rate-select]")) {
    event.preventDefault();
    await saveSelect(form, form.querySelector("select"));
  } else if (form.matches("form[data-list]")) {
    event.preventDefault();
    try {
      await toggleList(form);
    } catch (error) {
      confirm(`${form.dataset.title}: ${error.message}`);
    }
  }
});

/** Fetches `url` (this page by default) and swaps in its element `id`, keeping the scroll. */
async function refresh(id, url) {
  const target = document.getElementById(id);
  if (!target) return;
  const response = await fetch(url || window.location.pathname + window.location.search, {
    credentials: "same-origin",
  });
  if (!response.ok) throw new Error(`The page did not load (error ${response.status}).`);
  const page = new DOMParser().parseFromString(await response.text(), "text/html");
  const fresh = page.getElementById(id);
  if (fresh) target.replaceWith(document.adoptNode(fresh));
}

/** The onboarding movies on the page, and those the user has not seen. */
function onboardingLeftOut() {
  const section = document.getElementById("onboarding");
  const shown = [...section.querySelectorAll("li.onboarding-movie")].map((li) => li.dataset.movieId);
  const skipped = section.dataset.skipped ? section.dataset.skipped.split(",") : [];
  return { section, shown, skipped };
}

/** Films to rate that are not on the page yet, fresh from the server. */
async function moreFilms() {
  const { section, shown, skipped } = onboardingLeftOut();
  const response = await fetch(`/?rate=more&skip=${[...skipped, ...shown].join(",")}`, { credentials: "same-origin" });
  if (!response.ok) throw new Error(`More films did not load (error ${response.status}).`);
  const page = new DOMParser().parseFromString(await response.text(), "text/html");
  const have = new Set(shown);
  return {
    section,
    cards: [...page.querySelectorAll("li.onboarding-movie")].filter((li) => !have.has(li.dataset.movieId)),
  };
}

document.addEventListener("click", async (event) => {
  const link = event.target.closest("a[data-skip], a[data-more], a[data-refresh]");
  if (!link || event.ctrlKey || event.metaKey || event.shiftKey) return;
  event.preventDefault();
  try {
    if (link.matches("[data-skip]")) {
      // "Haven't seen": another film takes this card's place.
      const card = link.closest("li.onboarding-movie");
      const title = card.querySelector(".card-title a").textContent;
      const { section, cards } = await moreFilms();
      section.dataset.skipped = [section.dataset.skipped, card.dataset.movieId].filter(Boolean).join(",");
      if (cards.length > 0) {
        const fresh = document.adoptNode(cards[0]);
        card.replaceWith(fresh);
        fresh.querySelector(".card-title a").focus();
        confirm(`Skipped ${title}; here is ${fresh.querySelector(".card-title a").textContent}.`);
      } else {
        dismiss(card);
        confirm(`Skipped ${title}. There are no more films to offer here.`);
      }
    } else if (link.matches("[data-more]")) {
      const { section, cards } = await moreFilms();
      const grid = section.querySelector("#onboarding-movies");
      const added = cards.map((li) => document.adoptNode(li));
      grid.append(...added);
      if (added.length > 0) added[0].querySelector(".card-title a").focus();
      confirm(added.length > 0 ? `${added.length} more films to rate.` : "There are no more films to offer here.");
    } else {
      const url = new URL(link.href);
      await refresh(link.dataset.refresh, url.pathname + url.search);
      window.history.replaceState(null, "", url.pathname + url.search);
      const region = document.getElementById(link.dataset.refresh);
      if (link.hasAttribute("data-scroll")) region.scrollIntoView({ block: "start" });
      // Keep the keyboard where it was: on Next when there is a next pick, else the heading.
      const heading = region.querySelector("h1, h2");
      heading.setAttribute("tabindex", "-1");
      const again = link.rel === "next" ? region.querySelector("a[rel=next]") : null;
      (again || heading).focus({ preventScroll: true });
      const pick = region.querySelector(".featured");
      confirm(pick ? `${pick.querySelector(".pick-line").textContent}: ${pick.querySelector("h3 a").textContent}.` : "Recommendations updated.");
    }
  } catch (error) {
    confirm(error.message);
  }
});

// ---- The Model page follows a running training and reloads when it ends ----

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

// ---- Import preview: the Result column and the changed count follow the conflict choice ----

const conflictChoice = document.getElementById("conflicts-choice");
if (conflictChoice) {
  const showChoice = document.getElementById("show-choice");
  if (showChoice) showChoice.hidden = true;
  conflictChoice.addEventListener("change", () => {
    const choice = conflictChoice.value;
    for (const row of document.querySelectorAll("#conflicts tbody tr")) {
      const theirs = choice === "take_theirs" || (choice === "newest" && row.dataset.newer === "true");
      row.querySelector("[data-result]").textContent = theirs ? "the file's" : "yours";
    }
    const changed = document.querySelector("[data-count=changed]");
    // "take_theirs" → data-if-take-theirs → dataset.ifTakeTheirs
    const key = "if" + choice.split("_").map((w) => w[0].toUpperCase() + w.slice(1)).join("");
    if (changed && changed.dataset[key] !== undefined) changed.textContent = changed.dataset[key];
  });
}

// ---- Import report: a hand match made in place, the counts updated from the answer ----

document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (!form.matches("form[data-hand-match]")) return;
  event.preventDefault();
  const button = form.querySelector("button");
  button.disabled = true;
  try {
    const report = await api("POST", `/api/v1/me/imports/${form.dataset.importId}/matches`, {
      row: Number(form.elements.row.value),
      movie_id: Number(form.elements.movie_id.value),
    });
    for (const [name, value] of Object.entries(report.counts)) {
      const count = document.querySelector(`[data-count="${name}"]`);
      if (count) count.textContent = value;
    }
    // Rows of the same title and year were matched with it.
    report.unmatched.forEach((row, i) => {
      const cell = document.querySelector(`tr[data-row="${i}"] td:last-child`);
      if (!cell || row.matched_movie === null) return;
      const link = document.createElement("a");
      link.href = `/movies/${row.matched_movie}`;
      link.textContent = "Matched";
      cell.replaceChildren(link);
    });
    const title = button.getAttribute("aria-label").replace(/^Match to /, "");
    const candidates = document.getElementById("match-candidates");
    if (candidates) candidates.remove();
    // The focused button went with the candidates: focus moves to the row's new link.
    const matched = document.querySelector(`tr[data-row="${form.elements.row.value}"] a`);
    if (matched) matched.focus();
    confirm(`Matched to ${title}.`);
  } catch (error) {
    button.disabled = false;
    confirm(error.message);
  }
});
