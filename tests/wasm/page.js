// tests/wasm/page.js DIR PAGE.html REF.wav [RATE]: open the page dpmc
// built (served from DIR) in headless chromium, call
// window.dpmRender(SECONDS[, RATE]), SECONDS the length of REF (a
// `dpmc render --raw` at RATE, else the model's), and print one JSON
// line: the render against REF's first channel, the page's sliders,
// buttons and requests, what its console said, and what its player did
// (Play, the first slider moved down and up, Strike).
"use strict";
const fs = require("fs");
const b = require("./browser.js");
const w = require("./wasm.js");

async function main() {
	const [dir, html, ref, rate] = process.argv.slice(2);
	const want = w.readWav(ref), n = want.data.length / want.nch, first = new Float64Array(n);
	for (let i = 0; i < n; i++)
		first[i] = want.data[i * want.nch];
	const seconds = n / want.rate;
	const server = await b.serve(dir);
	let browser = null;
	try {
		browser = await b.launch();
		const page = await browser.newPage();
		const r = { console: [], requests: [] };
		page.on("console", (m) => { if (m.type() === "error" || m.type() === "warning") r.console.push(m.text()); });
		page.on("pageerror", (e) => r.console.push("pageerror: " + e.message));
		page.on("request", (q) => r.requests.push(q.url()));
		await page.goto(server.url + encodeURIComponent(html));
		r.info = await page.evaluate(async () => {
			const i = await window.dpmReady;
			return { name: i.name, rate: i.rate, params: i.params.map((p) => p.name), outputs: i.outputs };
		});
		r.sliders = await page.evaluate(() => document.querySelectorAll("input[type=range][id^=p-]").length);
		r.buttons = await page.evaluate(() => Array.from(document.querySelectorAll("button")).map((e) => e.textContent));
		const t0 = Date.now();
		const y = await page.evaluate(async ([s, rt]) => {
			const v = await window.dpmRender(s, rt);
			return { type: v.constructor.name, data: Array.from(v) };
		}, [seconds, rate ? +rate : undefined]);
		r.render_ms = Date.now() - t0;
		r.type = y.type;
		r.frames = y.data.length;
		Object.assign(r, w.compare(y.data, first));
		// the player: Play, the worklet runs (the context's clock moves); the
		// first slider down (in force at once), far up (the grid in force
		// cannot take it: the page says Strike), Strike (a new grid)
		r.play = await page.evaluate(async () => {
			const wait = (ms) => new Promise((ok) => setTimeout(ok, ms));
			const st = () => ({ text: document.getElementById("status").textContent,
			                    error: document.getElementById("status").className === "error" });
			const move = (d) => {
				const s = document.getElementById("p-0");
				s.value = Math.min(1000, Math.max(0, +s.value + d));
				s.dispatchEvent(new Event("input"));
			};
			document.getElementById("play").click();
			for (let i = 0; i < 100 && !(typeof ctx !== "undefined" && ctx && ctx.currentTime > 0.2); i++)
				await wait(50);
			const r = { state: ctx ? ctx.state : "none", time: ctx ? ctx.currentTime : 0 };
			move(-50);
			await wait(300);
			r.down = st();
			move(400);
			await wait(300);
			r.up = st();
			document.getElementById("strike").click();
			await wait(300);
			r.strike = st();
			return r;
		});
		console.log(JSON.stringify(r));
	} finally {
		if (browser)
			await browser.close();
		server.close();
	}
}

main().catch((e) => {
	console.error("page.js: " + e.message);
	process.exit(1);
});
