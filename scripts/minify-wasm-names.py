#!/usr/bin/env python3
"""Gives the widget's wasm imports and exports one- or two-letter names, in the wasm and its JS glue.

wasm-bindgen names each import after the JavaScript it calls plus a 16-hex-digit hash
(`__wbg_setAttribute_2704501201f15687`), 150 of them, each written once in the wasm and once in
the glue: about 3 KB of the widget's gzip budget that no browser needs. `wasm-opt
--minify-imports-and-exports-and-modules` renames them in the wasm and prints the mapping (JSON);
this script applies that mapping to the glue, and refuses (non-zero exit, glue untouched) whenever
the glue does not have the exact shape it expects, so a wasm-bindgen upgrade that changes the glue
fails the build instead of shipping a widget that cannot load.

usage: minify-wasm-names.py MAPPING.json GLUE.js
"""
import json
import re
import sys


def fail(message):
    sys.exit(f"minify-wasm-names: {message}")


def main(mapping_path, glue_path):
    with open(mapping_path, encoding="utf-8") as f:
        mapping = json.load(f)
    with open(glue_path, encoding="utf-8") as f:
        glue = f.read()

    modules = {module for module, _, _ in mapping["imports"]}
    if len(modules) != 1:
        fail(f"expected the imports of one module, got {sorted(modules)}")
    (module,) = modules
    # wasm-opt renames every import module to "a".
    key = f'"{module}": import0'
    if glue.count(key) != 1:
        fail(f"the glue does not hand its imports over as {key!r}")
    glue = glue.replace(key, '"a": import0')

    # Imports are the glue's `import0` object: one `name: function(` line each.
    for _, old, new in mapping["imports"]:
        pattern = re.compile(rf"(?m)^(\s+){re.escape(old)}(: function\()")
        glue, n = pattern.subn(lambda m: m.group(1) + new + m.group(2), glue)
        if n != 1:
            fail(f"import {old} is defined {n} times in the glue, expected once")

    # Exports are read as `wasm.<name>` only.
    renamed = {}
    for old, new in mapping["exports"]:
        renamed[old] = new
    def export(m):
        name = m.group(1)
        if name not in renamed:
            fail(f"the glue uses wasm.{name}, which the wasm does not export")
        return "wasm." + renamed[name]
    glue = re.sub(r"\bwasm\.([A-Za-z_$][A-Za-z0-9_$]*)", export, glue)

    with open(glue_path, "w", encoding="utf-8") as f:
        f.write(glue)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        fail("usage: minify-wasm-names.py MAPPING.json GLUE.js")
    main(sys.argv[1], sys.argv[2])
