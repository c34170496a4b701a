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
  // The wasm is fetched while the module loads, not after: one round trip less before the
  // trainee can type (the glue compiles it from the response as it streams in).
  var wasm = fetch(base + "motp-widget_bg.wasm" + v);
  wasm.catch(function () {}); // told once, below, when the module awaits it
  var ready = import(base + "motp-widget.js" + v).then(function (m) {
    return m.default({ module_or_path: wasm }).then(function () { return m; });
  });
  ready.catch(function (e) { console.error("motp-widget failed to load", e); });

  // Room for the first screen (the code step) from the moment the page shows the element, not
  // once the wasm arrives, so the lecture below does not jump (layout shift): its height as drawn,
  // 244 px, or 321 px on screens under 340 px where the hint takes more lines (the journey
  // the_page_does_not_move_as_the_widget_loads keeps these true). A constructed stylesheet on the
  // document: in force for elements added later too, allowed by any Content-Security-Policy (no
  // inline style), and of no specificity (:where), so a min-height the page gives wins.
  var ROOM = "244px", NARROW_ROOM = "321px";
  try {
    var room = new CSSStyleSheet();
    room.replaceSync(":where([data-motp-widget]){display:block;min-height:" + ROOM +
      "}@media (max-width:340px){:where([data-motp-widget]){min-height:" + NARROW_ROOM + "}}");
    document.adoptedStyleSheets = document.adoptedStyleSheets.concat(room);
  } catch (e) { /* a browser without constructed stylesheets: mount() reserves the room */ }
  function reserve(element) {
    if (!(parseFloat(getComputedStyle(element).minHeight) > 0)) {
      element.style.minHeight = innerWidth < 340 ? NARROW_ROOM : ROOM;
    }
  }

  function mount(element, options) {
    // An element from this page or a frame's (nodeType, not instanceof, which fails across frames).
    if (!element || element.nodeType !== 1) {
      throw new TypeError("MotpWidget.mount: the first argument must be an element, not " + element);
    }
    reserve(element);
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
  // The elements above this script now, before the browser paints them empty (their room is
  // reserved at once); those further down the page once it is parsed.
  mountAll();
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mountAll);
})();
