// tests/wasm/wasm.js — what the node scripts of tests/wasm share: a built
// model's .wasm instantiated as the page does it (WASI calls answer
// ENOSYS), its dpm_* interface, and float WAV files read.
"use strict";
const fs = require("fs");

// Every import must be a WASI function: a stub returning ENOSYS (52).
function imports(module) {
	const imp = {};
	for (const d of WebAssembly.Module.imports(module)) {
		if (d.kind !== "function" || d.module !== "wasi_snapshot_preview1")
			throw new Error("unexpected import " + d.module + "." + d.name + " (" + d.kind + ")");
		imp[d.module] = imp[d.module] || {};
		imp[d.module][d.name] = () => 52;
	}
	return imp;
}

function cstring(x, p) {
	const b = new Uint8Array(x.memory.buffer);
	let e = p;
	while (b[e])
		e++;
	return Buffer.from(b.subarray(p, e)).toString("latin1");
}

// A model of the .wasm at path: {x (the exports), m, module, nout, info(),
// set(name, v), render(nframes, block) -> Float32Array interleaved}
function load(path, rate) {
	const module = new WebAssembly.Module(fs.readFileSync(path));
	const x = new WebAssembly.Instance(module, imports(module)).exports;
	if (x._initialize)
		x._initialize();
	const m = x.dpm_new(rate || 0);
	if (!m)
		throw new Error("dpm_new failed");
	const nout = x.dpm_noutputs(m);
	return {
		x, m, module, nout,
		error: () => cstring(x, x.dpm_error(m)),
		info() {
			const params = {}, outputs = [];
			for (let i = 0; i < x.dpm_nparams(m); i++)
				params[cstring(x, x.dpm_param_name(m, i))] = {
					value: x.dpm_get(m, i), min: x.dpm_param_min(m, i), max: x.dpm_param_max(m, i),
					default: x.dpm_param_default(m, i), log: x.dpm_param_log(m, i),
				};
			for (let i = 0; i < nout; i++)
				outputs.push(cstring(x, x.dpm_output_name(m, i)));
			return { model: cstring(x, x.dpm_name(m)), rate: x.dpm_rate(m), params, outputs };
		},
		index(name) {
			const b = Buffer.from(name + "\0", "latin1"), p = x.malloc(b.length);
			new Uint8Array(x.memory.buffer, p, b.length).set(b);
			const i = x.dpm_param_index(m, p);
			x.free(p);
			return i;
		},
		// n frames in blocks of `block` (as an AudioWorklet calls it)
		render(n, block) {
			const out = new Float32Array(n * nout), buf = x.malloc(4 * block * nout);
			for (let k = 0; k < n; k += block) {
				const c = Math.min(block, n - k);
				if (x.dpm_process(m, buf, c) !== c)
					throw new Error("dpm_process failed at frame " + k + ": " + cstring(x, x.dpm_error(m)));
				out.set(new Float32Array(x.memory.buffer, buf, c * nout), k * nout);
			}
			x.free(buf);
			return out;
		},
	};
}

// A WAV of 32- or 64-bit floats (dpmc render --raw): {rate, nch, data (interleaved)}
function readWav(path) {
	const b = fs.readFileSync(path);
	if (b.toString("latin1", 0, 4) !== "RIFF" || b.toString("latin1", 8, 12) !== "WAVE")
		throw new Error(path + ": not a RIFF WAVE file");
	let fmt = null;
	for (let p = 12; p + 8 <= b.length;) {
		const id = b.toString("latin1", p, p + 4), len = b.readUInt32LE(p + 4), q = p + 8;
		if (id === "fmt ") {
			let tag = b.readUInt16LE(q);
			if (tag === 0xfffe)
				tag = b.readUInt16LE(q + 24);    // WAVE_FORMAT_EXTENSIBLE: the sub-format
			fmt = { tag, nch: b.readUInt16LE(q + 2), rate: b.readUInt32LE(q + 4), bits: b.readUInt16LE(q + 14) };
		} else if (id === "data") {
			if (!fmt || fmt.tag !== 3 || (fmt.bits !== 32 && fmt.bits !== 64))
				throw new Error(path + ": not 32- or 64-bit float samples");
			const n = Math.min(len, b.length - q) / (fmt.bits / 8), data = new Float64Array(n);
			for (let i = 0; i < n; i++)
				data[i] = fmt.bits === 32 ? b.readFloatLE(q + 4 * i) : b.readDoubleLE(q + 8 * i);
			return { rate: fmt.rate, nch: fmt.nch, data };
		}
		p = q + len + (len & 1);
	}
	throw new Error(path + ": no data chunk");
}

// max |a - b| over the peak of b, both interleaved the same way
function compare(a, b) {
	let peak = 0, diff = 0;
	for (let i = 0; i < b.length; i++) {
		peak = Math.max(peak, Math.abs(b[i]));
		diff = Math.max(diff, Math.abs(a[i] - b[i]));
	}
	return { peak, maxdiff: diff, rel: peak > 0 ? diff / peak : Infinity,
	         length: a.length === b.length };
}

module.exports = { imports, load, readWav, compare };
