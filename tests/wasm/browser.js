// tests/wasm/browser.js — what page.js and screenshot.js share: a folder
// served on 127.0.0.1 (the page must come over http: file:// may not
// fetch its .wasm) and Debian's chromium, headless, driven by
// playwright-core (installed by ./configure into .deps/node).
"use strict";
const fs = require("fs");
const http = require("http");
const path = require("path");

const types = { ".html": "text/html", ".wasm": "application/wasm", ".js": "text/javascript" };

// serve(dir) -> {url, close()}: GET of the files in dir, nothing else
function serve(dir) {
	const server = http.createServer((req, res) => {
		const name = decodeURIComponent(new URL(req.url, "http://x").pathname).replace(/^\/+/, "");
		const file = path.join(dir, name);
		if (req.method !== "GET" || name.includes("..") || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
			res.writeHead(404);
			res.end();
			return;
		}
		res.writeHead(200, { "Content-Type": types[path.extname(file)] || "application/octet-stream" });
		fs.createReadStream(file).pipe(res);
	});
	return new Promise((ok) => server.listen(0, "127.0.0.1", () =>
		ok({ url: "http://127.0.0.1:" + server.address().port + "/", close: () => server.close() })));
}

// playwright-core: $DPM_PLAYWRIGHT (its folder), else REPO/.deps/node
function playwright() {
	const repo = path.resolve(__dirname, "../..");
	const where = process.env.DPM_PLAYWRIGHT || path.join(repo, ".deps/node/node_modules/playwright-core");
	try {
		return require(where);
	} catch (e) {
		throw new Error("playwright-core is not installed at " + where
			+ ": run ./configure (it runs npm install --prefix .deps/node playwright-core)");
	}
}

// chromium, headless; $CHROMIUM or /usr/bin/chromium
async function launch() {
	const exe = process.env.CHROMIUM || "/usr/bin/chromium";
	if (!fs.existsSync(exe))
		throw new Error("no chromium at " + exe + " (Debian package chromium; ./configure installs it)");
	return playwright().chromium.launch({
		executablePath: exe, headless: true, timeout: 60000,
		args: ["--no-sandbox", "--headless=new", "--autoplay-policy=no-user-gesture-required",
		       "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
		       "--disable-background-networking", "--disable-component-update", "--disable-sync"],
	});
}

module.exports = { serve, launch };
