// tests/wasm/render.js MODEL.wasm REF.wav [NAME=VALUE...]: render the
// .wasm under node, from dpm_new at REF's rate, in blocks of 128 frames
// (an AudioWorklet's), with the params set (then dpm_reset), for REF's
// length; print one JSON line: the comparison with REF (every channel),
// the imports, exports and metadata.
"use strict";
const w = require("./wasm.js");

const [path, ref, ...sets] = process.argv.slice(2);
try {
	const want = w.readWav(ref), model = w.load(path, want.rate);
	// a value the grid in force cannot take is kept for dpm_reset, which
	// plans for it (as the page's Strike after a slider moved)
	const set = sets.map((s) => {
		const eq = s.indexOf("="), i = model.index(s.slice(0, eq));
		if (i < 0)
			throw new Error("set " + s + ": unknown param");
		model.x.dpm_set(model.m, i, +s.slice(eq + 1));
		return [i, +s.slice(eq + 1), model.error()];
	});
	if (sets.length && model.x.dpm_reset(model.m) !== 0)
		throw new Error("dpm_reset: " + model.error());
	for (const [i, v, why] of set)
		if (model.x.dpm_get(model.m, i) !== v)
			throw new Error("param " + i + " is " + model.x.dpm_get(model.m, i) + " after dpm_set(" + v + ") and dpm_reset: " + why);
	if (model.nout !== want.nch)
		throw new Error(model.nout + " outputs, " + ref + " has " + want.nch + " channels");
	const y = model.render(want.data.length / want.nch, 128);
	const r = w.compare(y, want.data);
	r.imports = WebAssembly.Module.imports(model.module).map((d) => d.module + "." + d.name);
	r.exports = WebAssembly.Module.exports(model.module).map((d) => d.name);
	r.info = model.info();
	console.log(JSON.stringify(r));
} catch (e) {
	console.error("render.js: " + e.message);
	process.exit(1);
}
