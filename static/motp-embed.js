/* mOTP widget loader: the one <script> tag an LMS page adds.
 *   <div data-motp-widget data-launch-token="…" data-lang="ko"></div>
 *   <script src="https://motp.example/widget/motp-embed.js"></script>
 * Every [data-motp-widget] element is mounted; pages that build their DOM later call
 *   const handle = MotpWidget.mount(element, { launchToken, lang });   // handle.destroy(), handle.reset()
 * The wasm, its JS glue and the API are on the server that served this script: motp-server writes
 * its own origin in here as it serves it. Nothing on the page (no element, no data- attribute, not
 * its URL) can send the widget elsewhere: user HTML an LMS shows may carry any of those. */
(function () {
  "use strict";
  // Loaded already (this script included or evaluated twice): the global is ours and fixed. An
  // element with id or name "MotpWidget" also shows as window.MotpWidget, but not as an own
  // property of window: it neither counts as loaded nor stops the global being defined over it.
  var own = Object.getOwnPropertyDescriptor(window, "MotpWidget");
  if (own && !own.configurable) return;
  var origin = "__MOTP_ORIGIN__";
  var base = origin + "/widget/";
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
      // Resolves once the widget is mounted; rejects when it could not load (then the element gets
      // motp:error "load_failed": most often this page's origin is not among the tenant's origins,
      // so CORS refused the module, or a Content-Security-Policy refused it).
      ready: ready.then(function (m) {
        if (!destroyed) real = m.mount(element, options || {}, origin);
        return handle;
      }, function (e) {
        element.dispatchEvent(new CustomEvent("motp:error", { bubbles: true, detail: {
          code: "load_failed",
          message: "the widget could not load from " + origin + ": is this page's origin one of the tenant's origins? (" + e + ")"
        } }));
        throw e;
      }),
      destroy: function () { destroyed = true; if (real) { real.destroy(); real = null; } },
      reset: function () { if (real) real.reset(); }
    };
    return handle;
  }

  function mountAll() {
    var found = document.querySelectorAll("[data-motp-widget]:not([data-motp-mounted])");
    for (var i = 0; i < found.length; i++) {
      if (found[i].motpWidget) continue;
      found[i].motpWidget = mount(found[i]);
      // Told to the element as motp:error; no unhandled rejection besides.
      found[i].motpWidget.ready.catch(function () {});
    }
  }

  Object.defineProperty(window, "MotpWidget", {
    value: Object.freeze({ mount: mount, mountAll: mountAll, ready: ready }),
    writable: false,
    configurable: false,
    enumerable: true
  });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mountAll);
  else mountAll();
})();
