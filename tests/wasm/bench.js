// tests/wasm/bench.js MODEL.wasm [SECONDS]: the real-time factor of
// dpm_process under node in blocks of 128 frames (an AudioWorklet's):
// seconds of sound per second of wall time, over SECONDS (default 5)
// of sound after a warm-up.  Not a test: `make bench` material.
"use strict";
const w = require("./wasm.js");

const [file, secs] = process.argv.slice(2);
const model = w.load(file, 0), rate = model.x.dpm_rate(model.m), n = Math.round((+secs || 5) * rate);
model.render(Math.round(0.2 * rate), 128);
const t0 = process.hrtime.bigint();
model.render(n, 128);
const s = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(JSON.stringify({ model: model.info().model, rate, seconds: n / rate, wall_s: s,
                             realtime_factor: n / rate / s }));
