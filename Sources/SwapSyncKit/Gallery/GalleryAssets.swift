/// The gallery page's inline style sheet and script: constants, so the page needs no network and
/// its Content-Security-Policy can allow exactly this script by its hash. Neither may contain a
/// double brace, which the template would take for a tag.
enum GalleryAssets {
  static let style = """
    :root { color-scheme: light dark; --line: #8884; --muted: #777;
      --done: #1a7f37; --running: #0969da; --wait: #9a6700; --bad: #cf222e; --other: #6e7781; }
    * { box-sizing: border-box; }
    body { font: 14px/1.4 system-ui, sans-serif; margin: 0 auto; padding: 1rem 1.5rem 3rem; max-width: 1400px; }
    h1 { font-size: 1.4rem; margin: 0 0 .25rem; }
    h1 .manifest, h2 .dims { font-weight: normal; color: var(--muted); font-size: .9em; }
    h2 { font-size: 1.1rem; margin: 2rem 0 .75rem; border-bottom: 1px solid var(--line); padding-bottom: .25rem; }
    code, .output, .url { font-family: ui-monospace, monospace; font-size: .85em; overflow-wrap: anywhere; white-space: pre-wrap; }
    .summary { margin: 0 0 .75rem; color: var(--muted); }
    .filters { border: 1px solid var(--line); border-radius: 6px; display: flex; flex-wrap: wrap; gap: .5rem; }
    .chip { cursor: pointer; user-select: none; }
    .chip .count { color: var(--muted); }
    .cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 1rem; }
    .card { border: 1px solid var(--line); border-radius: 8px; padding: .75rem; }
    .card dl { display: grid; grid-template-columns: auto 1fr; gap: .15rem .75rem; margin: .5rem 0; }
    .card dt { color: var(--muted); }
    .card dd { margin: 0; min-width: 0; }
    .result { display: block; }
    .result img { display: block; width: 100%; max-height: 240px; object-fit: contain; background: #8881; border-radius: 4px; }
    .result.none { display: flex; align-items: center; justify-content: center; height: 120px;
      border: 1px dashed var(--line); border-radius: 4px; color: var(--muted); }
    .inputs { display: flex; gap: .5rem; }
    figure { margin: 0; text-align: center; }
    figcaption { color: var(--muted); font-size: .85em; overflow-wrap: anywhere; }
    .input-image { width: 72px; height: 72px; object-fit: cover; border-radius: 4px; background: #8881; }
    .grid-wrap { overflow-x: auto; }
    .grid { border-collapse: collapse; }
    .grid th, .grid td { border: 1px solid var(--line); padding: .5rem; vertical-align: top; }
    .grid td { width: 220px; min-width: 180px; }
    .grid .corner { color: var(--muted); font-weight: normal; }
    .cell .output { margin: .25rem 0; }
    .detail { color: var(--bad); overflow-wrap: anywhere; }
    .badge { display: inline-block; padding: 0 .5em; border-radius: 1em; color: #fff; background: var(--other); font-size: .85em; }
    .state-done.badge { background: var(--done); }
    .state-running.badge, .state-submitting.badge { background: var(--running); }
    .state-missing.badge, .state-stale.badge, .state-modified.badge { background: var(--wait); }
    .state-failed.badge, .state-uncertain.badge, .state-lost.badge, .state-untracked.badge { background: var(--bad); }
    .entry.filtered-out.card { display: none; }
    .entry.filtered-out.cell { visibility: hidden; }
    .entry.broken .result { outline: 2px solid var(--bad); }
    """

  /// State filters, and a check that every result image loaded: each result `<img>` gets
  /// `data-loaded`, `<body>` gets `data-results-loaded` / `data-results-total`, and the header says
  /// which results did not load (a file moved away, or a page opened from the wrong place).
  static let script = """

    (function () {
      "use strict";
      var boxes = Array.prototype.slice.call(document.querySelectorAll("input[data-filter]"));
      var entries = Array.prototype.slice.call(document.querySelectorAll(".entry[data-state]"));
      function applyFilters() {
        var hidden = {};
        boxes.forEach(function (box) { if (!box.checked) hidden[box.getAttribute("data-filter")] = true; });
        entries.forEach(function (entry) {
          entry.classList.toggle("filtered-out", hidden[entry.getAttribute("data-state")] === true);
        });
      }
      boxes.forEach(function (box) { box.addEventListener("change", applyFilters); });
      applyFilters();
      window.addEventListener("load", function () {
        var images = Array.prototype.slice.call(document.querySelectorAll("img.result-image"));
        var broken = [];
        images.forEach(function (image) {
          var loaded = image.complete && image.naturalWidth > 0;
          image.setAttribute("data-loaded", loaded ? "true" : "false");
          if (!loaded) {
            broken.push(image.getAttribute("data-output"));
            image.closest(".entry").classList.add("broken");
          }
        });
        document.body.setAttribute("data-results-total", String(images.length));
        document.body.setAttribute("data-results-loaded", String(images.length - broken.length));
        var report = document.getElementById("load-report");
        if (report) {
          report.textContent = broken.length === 0
            ? images.length + " result images shown."
            : broken.length + " of " + images.length + " result images did not load: " + broken.join(", ");
        }
      });
    })();

    """
}
