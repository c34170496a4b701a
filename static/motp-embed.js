/* mOTP widget loader: the one <script> tag an LMS page adds.
 *   <div data-motp-widget data-server="https://motp.example" data-launch-token="…" data-lang="ko"></div>
 *   <script src="https://motp.example/widget/motp-embed.js"></script>
 * Every [data-motp-widget] element is mounted; pages that build their DOM later call
 *   const handle = MotpWidget.mount(element, { server, launchToken, lang });   // handle.destroy(), handle.reset()
 * The wasm and its JS glue are loaded from next to this script, wherever it is served from. */
(function () {
  "use strict";
  if (window.MotpWidget) return;
  // Where the widget's files are: next to this script; or, when a page evaluates the script instead
  // of including it (jQuery's $.getScript does, for its own origin), under the widget element's
  // data-server (this page's origin if none).
  var script = document.currentScript;
  var host = document.querySelector("[data-motp-widget][data-server]");
  var server = (host && host.getAttribute("data-server")) || location.origin;
  var base = script && script.src
    ? new URL(".", script.src).href
    : server.replace(/\/+$/, "") + "/widget/";
  // The build's content hash (written by scripts/widget-post-build.sh): the module and the wasm are
  // cached for good under it, and always come from the same build.
  var v = "?v=__MOTP_BUILD__";
  var ready = import(base + "motp-widget.js" + v).then(function (m) {
    return m.default({ module_or_path: base + "motp-widget_bg.wasm" + v }).then(function () { return m; });
  });
  ready.catch(function (e) { console.error("motp-widget failed to load", e); });

  function mount(element, options) {
    var real = null, destroyed = false, handle;
    handle = {
      ready: ready.then(function (m) {
        if (!destroyed) real = m.mount(element, options || {});
        return handle;
      }),
      destroy: function () { destroyed = true; if (real) { real.destroy(); real = null; } },
      reset: function () { if (real) real.reset(); }
    };
    return handle;
  }

  function mountAll() {
    var found = document.querySelectorAll("[data-motp-widget]:not([data-motp-mounted])");
    for (var i = 0; i < found.length; i++) {
      if (!found[i].motpWidget) found[i].motpWidget = mount(found[i]);
    }
  }

  window.MotpWidget = { mount: mount, mountAll: mountAll, ready: ready };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mountAll);
  else mountAll();
})();
