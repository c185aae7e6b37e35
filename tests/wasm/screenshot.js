// tests/wasm/screenshot.js PAGE.html OUT.png: the docs' picture of a page
// dpmc built (docs/wasm.png comes from examples/guitar.dpm):
//   ./dpmc build examples/guitar.dpm -o /tmp/guitar.html
//   node tests/wasm/screenshot.js /tmp/guitar.html docs/wasm.png
// The page is served from its folder and shown as a user sees it after
// Play and a move of the first slider.
"use strict";
const path = require("path");
const b = require("./browser.js");

async function main() {
	const [html, png] = process.argv.slice(2);
	if (!html || !png)
		throw new Error("usage: node tests/wasm/screenshot.js PAGE.html OUT.png");
	const server = await b.serve(path.dirname(path.resolve(html)));
	const browser = await b.launch();
	try {
		const page = await browser.newPage({ viewport: { width: 820, height: 560 }, deviceScaleFactor: 1 });
		await page.goto(server.url + encodeURIComponent(path.basename(html)));
		await page.evaluate(async () => {
			await window.dpmReady;
			document.getElementById("play").click();
			const s = document.getElementById("p-0");    /* the first param, a little up */
			s.value = +s.value + 60;
			s.dispatchEvent(new Event("input"));
			await new Promise((ok) => setTimeout(ok, 600));
		});
		await page.screenshot({ path: png, fullPage: true });
	} finally {
		await browser.close();
		server.close();
	}
}

main().catch((e) => {
	console.error("screenshot.js: " + e.message);
	process.exit(1);
});
