// Search as you type for long selects (core/choices.py). Without this file the select is a plain
// <select> with every choice; with it, a search box above the select asks the server for matches
// (?choices=<field>&q=<text> on the page itself) and choosing one selects it. ARIA combobox pattern:
// arrow keys move through the matches, Enter chooses, Escape closes.
(function () {
  "use strict";
  var counter = 0;

  function labelOf(select) {
    var label = select.id && document.querySelector('label[for="' + select.id + '"]');
    if (label && !label.id) { label.id = select.id + "-label"; }
    return label;
  }

  function enhance(select) {
    var id = "choice-search-" + (++counter);
    var wrap = document.createElement("div");
    wrap.className = "choice-search";
    var input = document.createElement("input");
    input.type = "search";
    input.id = id;
    input.autocomplete = "off";
    input.placeholder = select.getAttribute("data-choices-hint") || "";
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", id + "-list");
    // Named by its purpose, described by the field's label: the label itself keeps naming the select.
    input.setAttribute("aria-label", input.placeholder);
    var label = labelOf(select);
    if (label) { input.setAttribute("aria-describedby", label.id); }
    var list = document.createElement("ul");
    list.id = id + "-list";
    list.className = "choice-search-list";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    var status = document.createElement("p");
    status.className = "visually-hidden";
    status.setAttribute("aria-live", "polite");  // announced, yet not a second "status" region of the page
    wrap.appendChild(input);
    wrap.appendChild(list);
    wrap.appendChild(status);
    select.parentNode.insertBefore(wrap, select);

    var timer = null, asked = 0, active = -1;

    function options() { return list.querySelectorAll("[role=option]"); }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var items = options();
      if (!items.length) { return; }
      active = (index + items.length) % items.length;
      items.forEach(function (item, i) { item.setAttribute("aria-selected", i === active ? "true" : "false"); });
      input.setAttribute("aria-activedescendant", items[active].id);
      items[active].scrollIntoView({block: "nearest"});
    }

    function choose(item) {
      var value = item.getAttribute("data-value");
      var option = Array.prototype.find.call(select.options, function (o) { return o.value === value; });
      if (!option) {
        option = new Option(item.textContent, value);
        select.add(option);
      }
      select.value = value;
      select.dispatchEvent(new Event("change", {bubbles: true}));
      input.value = item.textContent;
      close();
    }

    function show(results) {
      list.textContent = "";
      results.forEach(function (result, i) {
        var item = document.createElement("li");
        item.id = id + "-option-" + i;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        item.setAttribute("data-value", result.value);
        item.textContent = result.label;
        list.appendChild(item);
      });
      if (!results.length) {
        var none = document.createElement("li");
        none.className = "choice-search-none";
        none.textContent = select.getAttribute("data-choices-none") || "";
        list.appendChild(none);
      }
      status.textContent = results.length ? (select.getAttribute("data-choices-count") || "").replace("%(n)s", results.length)
        : none.textContent;
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      active = -1;
    }

    function ask() {
      var text = input.value.trim();
      if (!text) { close(); return; }
      var url = new URL(window.location.href);
      url.hash = "";
      url.searchParams.set("choices", select.getAttribute("data-choices"));
      url.searchParams.set("q", text);
      var mine = ++asked;
      fetch(url.toString(), {headers: {"Accept": "application/json"}, credentials: "same-origin"})
        .then(function (response) { return response.ok ? response.json() : {results: []}; })
        .then(function (data) { if (mine === asked) { show(data.results || []); } })
        .catch(function () { /* the plain select below still works */ });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(ask, 200);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") { event.preventDefault(); if (list.hidden) { ask(); } else { highlight(active + 1); } }
      else if (event.key === "ArrowUp") { event.preventDefault(); highlight(active - 1); }
      else if (event.key === "Enter") {
        event.preventDefault();  // Enter in the search box chooses; it never submits the form
        var items = options();
        if (active >= 0 && items[active]) { choose(items[active]); }
        else if (items.length === 1) { choose(items[0]); }
      } else if (event.key === "Escape") { close(); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
    list.addEventListener("mousedown", function (event) {
      var item = event.target.closest("[role=option]");
      if (item) { event.preventDefault(); choose(item); }
    });
  }

  document.querySelectorAll("select[data-choices]:not(:disabled)").forEach(enhance);
})();
