// Progressive enhancements only; every page works without JavaScript.
document.querySelectorAll("[data-confirm]").forEach(function (el) {
  el.addEventListener("click", function (event) {
    if (!window.confirm(el.getAttribute("data-confirm"))) { event.preventDefault(); }
  });
});

// A table that scrolls sideways in its box can be scrolled from the keyboard too (WCAG 2.1.1).
document.querySelectorAll(".table-responsive").forEach(function (box) {
  if (!box.hasAttribute("tabindex")) { box.setAttribute("tabindex", "0"); }
});

// A "select all" checkbox ticks every box named like it in its form (the application review).
document.querySelectorAll("[data-select-all]").forEach(function (all) {
  all.addEventListener("change", function () {
    all.form.querySelectorAll("input[type=checkbox][name=ids]").forEach(function (box) { box.checked = all.checked; });
  });
});
